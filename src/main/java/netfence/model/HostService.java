package netfence.model;

/** A port on the host that VMs of a routed network may reach, e.g. {@code udp/53}. */
public record HostService(Protocol protocol, int port) {
  /** Transport protocols a host service can use. */
  public enum Protocol {
    TCP, UDP;

    public String nft() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public HostService {
    if (port < 1 || port > 65535) throw new IllegalArgumentException("port (" + port + ") must be 1..65535");
  }

  @Override
  public String toString() {
    return protocol.nft() + "/" + port;
  }
}
