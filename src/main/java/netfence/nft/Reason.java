package netfence.nft;

import java.util.Optional;

/**
 * Why netfence dropped a packet: each reason is a named counter of the table
 * whose rules drop for it, and for reasons that name a VM interface's own
 * traffic also a counted set {@code vm_<reason>} ({@link SetName#counted}).
 */
public enum Reason {
  /** A frame from a VM port whose source MAC is not the port's. */
  FORGED_MAC("forged_mac"),
  /** An IPv4/IPv6 source that is not the VM's (nor in its routed prefixes). */
  FORGED_SRC("forged_src"),
  /** ARP whose sender is not the VM's MAC and address. */
  ARP_SPOOF("arp_spoof"),
  /** A neighbour advertisement for an address that is not the sender's. */
  ND_SPOOF("nd_spoof"),
  /**
   * A router or neighbour solicitation or a neighbour advertisement whose first option is not the
   * port's own link-layer address option.
   */
  LLA_SPOOF("lla_spoof"),
  /** A DHCPv4 client message whose {@code chaddr} is not the port's MAC. */
  DHCP_CHADDR("dhcp_chaddr"),
  /** A DHCPv4 or DHCPv6 server answer sent by a VM. */
  ROGUE_DHCP("rogue_dhcp"),
  /** A router advertisement or redirect sent by a VM. */
  RA("ra"),
  /** VLAN tags, STP, LLDP and every ethertype but IPv4, IPv6 and ARP from a VM port. */
  ETHERTYPE("ethertype"),
  /**
   * A frame from a port the inventory does not name towards one it names: on a bridge, from a port
   * that is neither a VM's tap nor a trusted port; routed, from an interface that is neither a
   * routed tap, the uplink nor a trusted interface.
   */
  UNKNOWN_PORT("unknown_port"),
  /** An IGMP or MLD query sent by a VM. */
  MCAST_QUERY("mcast_query"),
  /** Fragmented ND/MLD, or a first fragment without its upper-layer header (RFC 7113, RFC 6980). */
  FRAG_EVASION("frag_evasion"),
  /** A routed VM's packet to a host port that is not in the network's host-services. */
  HOST_INPUT("host_input");

  private final String id;

  Reason(String id) {
    this.id = id;
  }

  /** The counter's name in nft. */
  public String id() {
    return id;
  }

  /** The reason whose counter is called {@code id}, if any. */
  public static Optional<Reason> of(String id) {
    for (Reason r : values()) if (r.id.equals(id)) return Optional.of(r);
    return Optional.empty();
  }

  @Override
  public String toString() {
    return id;
  }
}
