package netfence.nft;

/**
 * The packet fields netfence's rules match on: the vocabulary shared by the
 * renderer, the JSON reader of live rulesets and the evaluator. Anything
 * else in a live ruleset is reported as not understood.
 */
public enum Field {
  IIFNAME("iifname", "ifname"),
  IBRNAME("meta ibrname", "ifname"),
  OIFNAME("oifname", "ifname"),
  NFPROTO("meta nfproto", "nf_proto"),
  L4PROTO("meta l4proto", "inet_proto"),
  ETHER_TYPE("ether type", "ether_type"),
  ETHER_SADDR("ether saddr", "ether_addr"),
  VLAN_ID("vlan id", "integer"),
  IP_SADDR("ip saddr", "ipv4_addr"),
  IP_DADDR("ip daddr", "ipv4_addr"),
  IP6_SADDR("ip6 saddr", "ipv6_addr"),
  IP6_DADDR("ip6 daddr", "ipv6_addr"),
  UDP_SPORT("udp sport", "inet_service"),
  UDP_DPORT("udp dport", "inet_service"),
  TH_DPORT("th dport", "inet_service"),
  ICMP_TYPE("icmp type", "icmp_type"),
  ICMPV6_TYPE("icmpv6 type", "icmpv6_type"),
  IGMP_TYPE("igmp type", "igmp_type"),
  /**
   * The target address of a neighbour advertisement, as raw payload: nft
   * 1.0.6 has no {@code icmpv6 taddr}. Set elements are 128-bit integers.
   */
  ND_TARGET("@th,64,128", ""),
  /**
   * The type and length of the first option of a neighbour solicitation or advertisement (after
   * the 16-byte target): {@code 0x0101} or {@code 0x0201} for a link-layer address option.
   */
  ND_OPT_HEAD("@th,192,16", ""),
  /** The link-layer address in that first option, 48 bits. */
  ND_OPT_LLA("@th,208,48", ""),
  /** The type and length of the first option of a router solicitation (after 4 reserved bytes). */
  RS_OPT_HEAD("@th,64,16", ""),
  /** The link-layer address in that first option, 48 bits. */
  RS_OPT_LLA("@th,80,48", ""),
  /** The client hardware address of a DHCPv4 message ({@code chaddr}, 28 bytes into the UDP payload), 48 bits. */
  DHCP_CHADDR("@th,288,48", ""),
  /** Whether an IPv6 fragment header is present ({@code exthdr frag exists}). */
  FRAG_HDR("exthdr frag", "boolean"),
  FRAG_OFF("frag frag-off", "integer"),
  /** The first 8 bytes of the transport header: matches only when they are in this packet (fragment). */
  TH_HEAD("@th,0,64", ""),
  ARP_OPERATION("arp operation", "arp_op"),
  ARP_SHA("arp saddr ether", "ether_addr"),
  ARP_SPA("arp saddr ip", "ipv4_addr"),
  CT_STATE("ct state", "ct_state"),
  /** The SYN and ACK bits of a TCP segment: {@code syn} alone is a connection attempt. */
  TCP_SYN_ACK("tcp flags & (syn | ack)", "tcp_flag");

  private final String nft;
  private final String type;

  Field(String nft, String type) {
    this.nft = nft;
    this.type = type;
  }

  /** The expression as nft writes it. */
  public String nft() {
    return nft;
  }

  /** The nft data type, for set declarations; empty for raw payload (declared with {@code typeof}). */
  public String type() {
    return type;
  }

  /** For raw payload ({@code @th,OFFSET,LENGTH}): the offset in bits into the transport header. */
  public int rawOffset() {
    return Integer.parseInt(nft.split(",")[1]);
  }

  /** For raw payload: the length in bits. */
  public int rawBits() {
    return Integer.parseInt(nft.split(",")[2]);
  }
}
