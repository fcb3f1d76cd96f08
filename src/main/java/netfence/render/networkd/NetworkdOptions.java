package netfence.render.networkd;

/**
 * What the networkd files depend on besides the inventory: the systemd
 * version they are written for.
 *
 * @param systemdVersion e.g. 252 (Debian 12); 256 renamed {@code IPForward=}
 */
public record NetworkdOptions(int systemdVersion) {
  /** systemd 256 renamed IPForward= to IPv4Forwarding=/IPv6Forwarding=. */
  public boolean forwardingPerFamily() {
    return systemdVersion >= 256;
  }
}
