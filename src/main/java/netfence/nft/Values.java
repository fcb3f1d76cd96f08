package netfence.nft;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.math.BigInteger;
import java.util.Locale;
import java.util.Map;

/**
 * Canonical values of nft data, so a value written by the renderer and the
 * same value read back from the kernel compare equal: interface names
 * without quotes, MACs in lower case, addresses and prefixes as {@link
 * IPAddress}, symbolic constants and hex as numbers.
 */
public final class Values {
  private static final Map<String, Integer> ETHER_TYPES = Map.of("ip", 0x0800, "ip6", 0x86dd, "arp", 0x0806, "8021q", 0x8100,
      "8021ad", 0x88a8, "vlan", 0x8100);
  private static final Map<String, Integer> PROTOCOLS = Map.of("icmp", 1, "igmp", 2, "tcp", 6, "udp", 17, "ipv6-icmp", 58, "icmpv6", 58);
  private static final Map<String, Integer> ICMPV6_TYPES = Map.ofEntries(
      Map.entry("destination-unreachable", 1), Map.entry("packet-too-big", 2), Map.entry("echo-request", 128),
      Map.entry("echo-reply", 129), Map.entry("mld-listener-query", 130), Map.entry("mld-listener-report", 131),
      Map.entry("mld-listener-done", 132), Map.entry("mld-listener-reduction", 132), Map.entry("nd-router-solicit", 133),
      Map.entry("nd-router-advert", 134), Map.entry("nd-neighbor-solicit", 135), Map.entry("nd-neighbor-advert", 136),
      Map.entry("nd-redirect", 137), Map.entry("mld2-listener-report", 143));
  private static final Map<String, Integer> ICMP_TYPES = Map.of("echo-reply", 0, "destination-unreachable", 3, "echo-request", 8);
  private static final Map<String, Integer> IGMP_TYPES = Map.of("membership-query", 0x11, "membership-report-v1", 0x12,
      "membership-report-v2", 0x16, "leave-group", 0x17, "membership-report-v3", 0x22);
  private static final Map<String, Integer> ARP_OPS = Map.of("request", 1, "reply", 2);

  private Values() {}

  /** The canonical form of {@code text} as a value of {@code field}. */
  public static Object canonical(Field field, String text) {
    String t = text.strip();
    return switch (field) {
      case IIFNAME, OIFNAME, IBRNAME -> unquote(t);
      case ETHER_SADDR, ARP_SHA -> t.toLowerCase(Locale.ROOT);
      case IP_SADDR, IP_DADDR, IP6_SADDR, IP6_DADDR, ARP_SPA -> address(t);
      case ETHER_TYPE -> number(t, ETHER_TYPES);
      case L4PROTO -> number(t, PROTOCOLS);
      case ICMPV6_TYPE -> number(t, ICMPV6_TYPES);
      case ICMP_TYPE -> number(t, ICMP_TYPES);
      case IGMP_TYPE -> number(t, IGMP_TYPES);
      case ARP_OPERATION -> number(t, ARP_OPS);
      case NFPROTO, CT_STATE -> t.toLowerCase(Locale.ROOT);
      case TCP_SYN_ACK -> tcpFlags(t);
      case FRAG_HDR -> t.equals("exists") || t.equals("true");
      case ND_TARGET, TH_HEAD, ND_OPT_HEAD, ND_OPT_LLA, RS_OPT_HEAD, RS_OPT_LLA, DHCP_CHADDR -> integer(t);
      case UDP_SPORT, UDP_DPORT, TH_DPORT, VLAN_ID, FRAG_OFF -> integer(t).intValueExact();
    };
  }

  /** TCP flag names ({@code syn}, {@code syn | ack}, {@code 0x12}) as their bits. */
  private static int tcpFlags(String t) {
    int bits = 0;
    for (String part : t.replace("(", "").replace(")", "").split("[|,]")) {
      String f = part.strip().toLowerCase(Locale.ROOT);
      bits |= switch (f) {
        case "fin" -> 0x01;
        case "syn" -> 0x02;
        case "rst" -> 0x04;
        case "psh" -> 0x08;
        case "ack" -> 0x10;
        case "urg" -> 0x20;
        default -> integer(f).intValueExact();
      };
    }
    return bits;
  }

  private static String unquote(String t) {
    return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
  }

  private static IPAddress address(String t) {
    IPAddress a = new IPAddressString(t).getAddress();
    if (a == null) throw new IllegalArgumentException("not an address: " + t);
    return a.getNetworkPrefixLength() == null ? a : a.toPrefixBlock();
  }

  private static int number(String t, Map<String, Integer> names) {
    Integer n = names.get(t.toLowerCase(Locale.ROOT));
    return n != null ? n : integer(t).intValueExact();
  }

  private static BigInteger integer(String t) {
    String s = t.toLowerCase(Locale.ROOT);
    return s.startsWith("0x") ? new BigInteger(s.substring(2), 16) : new BigInteger(s);
  }
}
