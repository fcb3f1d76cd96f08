/**
 * The systemd-networkd renderer: {@code .network} and {@code .netdev} files
 * for a host (routed taps, bridges and their ports) and for its guests
 * (static addresses, on-link routes, DNS), as {@link
 * netfence.render.networkd.UnitFile} data that the NixOS renderer reuses.
 */
package netfence.render.networkd;
