/**
 * The data-plane driver: making a network namespace match a host's policy
 * ({@link netfence.dataplane.HostApply}: nft transactions, bridges and
 * ports, addresses, routes, sysctls) from what it reads back, so that
 * applying twice changes nothing. Routes netfence adds carry route
 * protocol 110 ({@code proto 110}); only those are ever removed.
 * Processes and namespaces are reached through
 * {@link netfence.dataplane.Exec} and {@link netfence.dataplane.Netns}.
 */
package netfence.dataplane;
