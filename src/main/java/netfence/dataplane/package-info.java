/**
 * The data-plane driver: making a network namespace match a host's policy
 * (nft transactions, addresses, routes, bridge ports) and reading the
 * kernel's state back. Processes and namespaces are reached through
 * {@link netfence.dataplane.Exec} and {@link netfence.dataplane.Netns}.
 */
package netfence.dataplane;
