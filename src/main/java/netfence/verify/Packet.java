package netfence.verify;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.util.Optional;

/**
 * One frame as the verifier and the lab see it: enough fields to evaluate
 * netfence's rules and to build the exact bytes ({@link Frames}).
 *
 * @param ethertype the frame's type field; below 0x600 it is an 802.3 length (STP)
 * @param vlan an 802.1Q tag in front of {@code ethertype}, if any
 * @param l4 transport protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, 2 igmp), 0 if none
 * @param hopByHop IPv6 only: a hop-by-hop options header sits before the transport header
 * @param type ICMP/ICMPv6/IGMP type, or the ARP operation
 * @param target NDP target address, or the ARP target protocol address
 * @param lla the link-layer address the payload announces: ARP's sender hardware address, the
 *     link-layer option of a router or neighbour solicitation or a neighbour advertisement (none:
 *     no option), or a DHCPv4 client message's {@code chaddr}
 * @param firstFragment IPv6 only: this is the first fragment of a packet whose extension headers push
 *     the transport header into the second fragment (RFC 7113's RA-guard evasion); only it is sent
 * @param llaBehindOther NDP only: an unknown option carrying the sender's own MAC comes first and
 *     the link-layer option second, as an attacker hides it from a check of the first option
 */
public record Packet(
    String srcMac,
    String dstMac,
    int ethertype,
    Optional<Integer> vlan,
    Optional<IPAddress> src,
    Optional<IPAddress> dst,
    int l4,
    boolean hopByHop,
    int sport,
    int dport,
    int type,
    Optional<IPAddress> target,
    Optional<String> lla,
    boolean firstFragment,
    boolean llaBehindOther) {

  public static final int IPV4 = 0x0800;
  public static final int IPV6 = 0x86dd;
  public static final int ARP = 0x0806;
  public static final int LLDP = 0x88cc;
  public static final int UDP = 17;
  public static final int TCP = 6;
  public static final int ICMP = 1;
  public static final int ICMPV6 = 58;
  public static final int IGMP = 2;

  static IPAddress ip(String s) {
    return new IPAddressString(s).getAddress().withoutPrefixLength();
  }

  /** UDP; a DHCPv4 client message (68 to 67) names the sender's MAC as its {@code chaddr}. */
  public static Packet udp(String srcMac, String dstMac, IPAddress src, IPAddress dst, int sport, int dport) {
    boolean dhcpClient = src.isIPv4() && sport == 68 && dport == 67;
    return new Packet(srcMac, dstMac, src.isIPv4() ? IPV4 : IPV6, Optional.empty(), Optional.of(src), Optional.of(dst),
        UDP, false, sport, dport, 0, Optional.empty(), dhcpClient ? Optional.of(srcMac) : Optional.empty(), false, false);
  }

  public static Packet tcp(String srcMac, String dstMac, IPAddress src, IPAddress dst, int dport) {
    return new Packet(srcMac, dstMac, src.isIPv4() ? IPV4 : IPV6, Optional.empty(), Optional.of(src), Optional.of(dst),
        TCP, false, 40000, dport, 0, Optional.empty(), Optional.empty(), false, false);
  }

  /**
   * ICMP (IPv4) or ICMPv6 of {@code type}; NDP types carry {@code target}. A router or neighbour
   * solicitation or a neighbour advertisement carries the sender's MAC as its link-layer option,
   * except from the unspecified address (RFC 4861).
   */
  public static Packet icmp(String srcMac, String dstMac, IPAddress src, IPAddress dst, int type, Optional<IPAddress> target) {
    boolean v4 = src.isIPv4();
    boolean lla = !v4 && (type == 133 || type == 135 || type == 136) && !src.isZero();
    return new Packet(srcMac, dstMac, v4 ? IPV4 : IPV6, Optional.empty(), Optional.of(src), Optional.of(dst),
        v4 ? ICMP : ICMPV6, false, 0, 0, type, target, lla ? Optional.of(srcMac) : Optional.empty(), false, false);
  }

  public static Packet igmp(String srcMac, IPAddress src, int type) {
    return new Packet(srcMac, "01:00:5e:00:00:01", IPV4, Optional.empty(), Optional.of(src), Optional.of(ip("224.0.0.1")),
        IGMP, false, 0, 0, type, Optional.empty(), Optional.empty(), false, false);
  }

  /** ARP with operation {@code op} (1 request, 2 reply), sender {@code sha}/{@code spa}, target {@code tpa}. */
  public static Packet arp(String srcMac, String dstMac, int op, String sha, IPAddress spa, IPAddress tpa) {
    return new Packet(srcMac, dstMac, ARP, Optional.empty(), Optional.of(spa), Optional.empty(), 0, false, 0, 0, op,
        Optional.of(tpa), Optional.of(sha), false, false);
  }

  /** A frame of another ethertype (or an 802.3 length below 0x600) with no payload netfence understands. */
  public static Packet raw(String srcMac, String dstMac, int ethertype) {
    return new Packet(srcMac, dstMac, ethertype, Optional.empty(), Optional.empty(), Optional.empty(), 0, false, 0, 0, 0,
        Optional.empty(), Optional.empty(), false, false);
  }

  public Packet withVlan(int id) {
    return new Packet(srcMac, dstMac, ethertype, Optional.of(id), src, dst, l4, hopByHop, sport, dport, type, target, lla, firstFragment, llaBehindOther);
  }

  /** The same packet announcing {@code lla} (or, empty, no link-layer option) instead. */
  public Packet withLla(Optional<String> lla) {
    return new Packet(srcMac, dstMac, ethertype, vlan, src, dst, l4, hopByHop, sport, dport, type, target, lla, firstFragment, llaBehindOther);
  }

  /** The same NDP message with an unknown option (the sender's own MAC in it) before its link-layer option. */
  public Packet withLlaBehindAnotherOption() {
    return new Packet(srcMac, dstMac, ethertype, vlan, src, dst, l4, hopByHop, sport, dport, type, target, lla, firstFragment, true);
  }

  public Packet withHopByHop() {
    return new Packet(srcMac, dstMac, ethertype, vlan, src, dst, l4, true, sport, dport, type, target, lla, firstFragment, llaBehindOther);
  }

  /** Only the first fragment of this ICMPv6 packet, its ICMPv6 header pushed into the second by extension headers. */
  public Packet asFirstFragmentOnly() {
    return new Packet(srcMac, dstMac, ethertype, vlan, src, dst, l4, hopByHop, sport, dport, type, target, lla, true, llaBehindOther);
  }

  public boolean isIp() {
    return ethertype == IPV4 || ethertype == IPV6;
  }
}
