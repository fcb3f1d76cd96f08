/**
 * The NixOS renderer: a host module ({@code systemd.network}, NAT, the
 * nftables tables) and one module per guest ({@code microvm.interfaces},
 * {@code systemd.network}), from the same data as the networkd renderer.
 */
package netfence.render.nixos;
