package netfence.nft;

import java.util.Optional;

/**
 * The sets and maps of netfence's tables, by the name nft knows them by.
 * The counted sets {@code vm_<reason>} are here too, one per {@link Reason}
 * counted per VM interface ({@link #counted}).
 */
public enum SetName {
  // bridge
  PORT_VERDICT("port_verdict"),
  NAMED_PORTS("named_ports"),
  FOREIGN_PORTS("foreign_ports"),
  PORT_MAC("port_mac"),
  IP4_ADDR("ip4_addr"),
  IP4_NET("ip4_net"),
  IP6_ADDR("ip6_addr"),
  IP6_NET("ip6_net"),
  ND_TARGET("nd_target"),
  ARP_OK("arp_ok"),
  PORT_LLA("port_lla"),
  ETHERTYPE("ethertype"),
  // inet
  ROUTED_TAPS("routed_taps"),
  ROUTED_REACH("routed_reach"),
  R4_ADDR("r4_addr"),
  R4_NET("r4_net"),
  R6_ADDR("r6_addr"),
  R6_NET("r6_net"),
  HOST_SERVICES("host_services"),
  NAT4("nat4"),
  // counted sets, one per reason counted per VM interface
  VM_FORGED_MAC("vm_forged_mac"),
  VM_FORGED_SRC("vm_forged_src"),
  VM_ARP_SPOOF("vm_arp_spoof"),
  VM_ND_SPOOF("vm_nd_spoof"),
  VM_LLA_SPOOF("vm_lla_spoof"),
  VM_DHCP_CHADDR("vm_dhcp_chaddr"),
  VM_ROGUE_DHCP("vm_rogue_dhcp"),
  VM_RA("vm_ra"),
  VM_ETHERTYPE("vm_ethertype"),
  VM_MCAST_QUERY("vm_mcast_query"),
  VM_FRAG_EVASION("vm_frag_evasion"),
  VM_HOST_INPUT("vm_host_input");

  private final String id;

  SetName(String id) {
    this.id = id;
  }

  /** The set's name in nft. */
  public String id() {
    return id;
  }

  /** The counted set of {@code reason}: one element per VM interface that had such a drop. */
  public static SetName counted(Reason reason) {
    return of("vm_" + reason.id()).orElseThrow(() -> new IllegalArgumentException("no counted set for reason " + reason));
  }

  /** The set nft calls {@code id}, if it is one of netfence's. */
  public static Optional<SetName> of(String id) {
    for (SetName s : values()) if (s.id.equals(id)) return Optional.of(s);
    return Optional.empty();
  }

  @Override
  public String toString() {
    return id;
  }
}
