package netfence.render.libvirt;

import static netfence.render.libvirt.Xml.element;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import netfence.render.libvirt.Xml.Comment;
import netfence.render.libvirt.Xml.Element;
import netfence.render.libvirt.Xml.Text;

/**
 * netfence's libvirt nwfilter set: three root filters (one per combination of
 * address families) built from libvirt's stock filters and five of our own.
 * The set is the same for every inventory; everything per VM is a parameter
 * of the interface's {@code <filterref>}.
 *
 * <p>Parameters: {@code MAC}; {@code IP}, the VM's IPv4 addresses (ARP sender
 * check); {@code IPSRC}/{@code IPSRCMASK} and {@code IPV6SRC}/{@code
 * IPV6SRCMASK}, every source the VM may send from as address and prefix
 * length, iterated in lockstep ({@code [@1]}), so one list holds the exact
 * addresses (/32, /128, the IPv6 link-local first) and the routed prefixes.
 * A filter fails to bind when a variable it references has no value, and a
 * missing {@code IP} would even start libvirt's address learning; hence the
 * {@code -ipv4only}/{@code -ipv6only} variants, which reference only the
 * parameters of their family.
 */
final class NwFilters {
  /** Which root filter an interface uses, by the address families it has. */
  enum Variant {
    DUAL_STACK("netfence-clean-traffic", true, true),
    IPV4_ONLY("netfence-clean-traffic-ipv4only", true, false),
    IPV6_ONLY("netfence-clean-traffic-ipv6only", false, true);

    final String filter;
    final boolean ipv4;
    final boolean ipv6;

    Variant(String filter, boolean ipv4, boolean ipv6) {
      this.filter = filter;
      this.ipv4 = ipv4;
      this.ipv6 = ipv6;
    }

    static Variant of(boolean ipv4, boolean ipv6) {
      if (ipv4 && ipv6) return DUAL_STACK;
      if (ipv4) return IPV4_ONLY;
      if (ipv6) return IPV6_ONLY;
      throw new IllegalArgumentException("an interface needs at least one address family");
    }
  }

  static final String NO_DHCP_SERVER = "netfence-no-dhcp-server";
  static final String NO_IP_SPOOFING = "netfence-no-ip-spoofing";
  static final String NO_ARP_IP_SPOOFING = "netfence-no-arp-ip-spoofing";
  static final String NO_ROGUE_IPV6_ROUTER = "netfence-no-rogue-ipv6-router";
  static final String NO_IPV6_SPOOFING = "netfence-no-ipv6-spoofing";

  /** The catch-all at the end of every sub-filter of ours that only drops some packets. */
  static final List<String> RETURN_WHY = List.of(
      "REQUIRED: with ebtables-nft (1.8.9) a chain libvirt creates with 'ebtables -N' ends",
      "in a hidden ACCEPT although 'ebtables -L' shows policy RETURN: without this rule",
      "every packet not dropped here would be accepted and skip the anti-spoofing chains.");

  private NwFilters() {}

  /**
   * A stable UUID per filter name. libvirt refuses to redefine a filter under
   * another UUID, so a generated file without one could be defined only once.
   */
  static UUID uuid(String filterName) {
    return UUID.nameUUIDFromBytes(("netfence-nwfilter:" + filterName).getBytes(StandardCharsets.UTF_8));
  }

  /** Every filter as its document, by filter name; sub-filters before the root filters that use them. */
  static Map<String, String> documents() {
    var out = new LinkedHashMap<String, String>();
    subFilters().forEach(f -> out.put(name(f), Xml.document(f)));
    for (Variant v : Variant.values()) out.put(v.filter, Xml.document(root(v)));
    return out;
  }

  static String name(Element filter) {
    return filter.attributes().getFirst().value();
  }

  static List<Element> subFilters() {
    return List.of(
        filter(NO_DHCP_SERVER, "ipv4-dhcps", "-720", List.of(
            "The VM must not answer DHCPv4 (server or relay source port 67)."))
            .with(rule("drop", "100", element("ip", "protocol", "udp", "srcportstart", "67")))
            .with(trailingReturn()),
        filter(NO_IP_SPOOFING, "ipv4-ip", "-710", List.of(
            "IPv4 source check: every IPSRC/IPSRCMASK pair (addresses as /32, routed prefixes),",
            "plus 0.0.0.0 for DHCPDISCOVER. Replaces libvirt's no-ip-spoofing, which knows",
            "exact addresses only and lets any UDP from 0.0.0.0 through."))
            .with(rule("return", "100", element("ip", "srcipaddr", "0.0.0.0", "protocol", "udp", "srcportstart", "68", "dstportstart", "67")))
            .with(rule("return", "500", element("ip", "srcipaddr", "$IPSRC[@1]", "srcipmask", "$IPSRCMASK[@1]")))
            .with(rule("drop", "1000")),
        filter(NO_ARP_IP_SPOOFING, "arp-ip", "-510", List.of(
            "ARP sender address must be one of IP (the VM's exact addresses; ARP has no mask),",
            "or 0.0.0.0 for RFC 5227 address probes. Replaces libvirt's no-arp-ip-spoofing,",
            "which drops the probes."))
            .with(rule("return", "300", element("arp", "arpsrcipaddr", "0.0.0.0")))
            .with(rule("return", "400", element("arp", "arpsrcipaddr", "$IP")))
            .with(rule("drop", "1000")),
        filter(NO_ROGUE_IPV6_ROUTER, "ipv6-ra", "-620", List.of(
            "The VM must not act as IPv6 router, multicast querier or DHCPv6 server: drops Router",
            "Advertisement (134), Redirect and Router Renumbering (137-138), MLD queries (130)",
            "and DHCPv6 server or relay answers (udp source port 547)."))
            .with(rule("drop", "100", element("ipv6", "protocol", "icmpv6", "type", "134")))
            .with(rule("drop", "110", element("ipv6", "protocol", "icmpv6", "type", "137", "typeend", "138")))
            .with(rule("drop", "120", element("ipv6", "protocol", "icmpv6", "type", "130")))
            .with(rule("drop", "130", element("ipv6", "protocol", "udp", "srcportstart", "547")))
            .with(trailingReturn()),
        filter(NO_IPV6_SPOOFING, "ipv6-ip", "-610", List.of(
            "IPv6 source check: every IPV6SRC/IPV6SRCMASK pair (the EUI-64 link-local and the",
            "addresses as /128, routed prefixes), plus the unspecified address :: for duplicate",
            "address detection (ICMPv6 135) and its MLDv2 report (143). Replaces libvirt's",
            "no-ipv6-spoofing, which lets UDP from any link-local address through.",
            "Neighbour Advertisements are checked by source only: ebtables cannot match the",
            "target address, so a VM can still claim a neighbour's IPv6 address on a shared",
            "bridge. netfence's own nft table checks the target; libvirt cannot."))
            .with(rule("return", "100", element("ipv6", "srcipaddr", "::", "srcipmask", "128", "protocol", "icmpv6", "type", "135")))
            .with(rule("return", "101", element("ipv6", "srcipaddr", "::", "srcipmask", "128", "protocol", "icmpv6", "type", "143")))
            .with(rule("return", "500", element("ipv6", "srcipaddr", "$IPV6SRC[@1]", "srcipmask", "$IPV6SRCMASK[@1]")))
            .with(rule("drop", "1000")));
  }

  /**
   * A root filter. libvirt orders the root chain by priority, whatever the
   * order here: MAC -800, IPv4 -720..-650, IPv6 -620..-600, ARP -520..-500,
   * then the catch-all drop of no-other-l2-traffic at 1000.
   */
  static Element root(Variant v) {
    var comment = new ArrayList<String>();
    comment.add("netfence: clean traffic for a VM interface with "
        + (v.ipv4 && v.ipv6 ? "IPv4 and IPv6" : v.ipv4 ? "IPv4 only: every IPv6 frame is dropped" : "IPv6 only: every IPv4 and ARP frame is dropped")
        + ".");
    comment.add("Parameters: MAC" + (v.ipv4 ? ", IP, IPSRC, IPSRCMASK" : "") + (v.ipv6 ? ", IPV6SRC, IPV6SRCMASK" : "")
        + (v.ipv4 ? "." : "; no IP, which would start libvirt's IPv4 address learning."));
    var body = new ArrayList<Xml>();
    body.add(Comment.of("source MAC must be MAC, for every protocol"));
    body.add(ref("no-mac-spoofing"));
    if (v.ipv4) {
      body.addAll(family("IPv4: no DHCP server answers, sources from IPSRC/IPSRCMASK only",
          NO_DHCP_SERVER, NO_IP_SPOOFING, "-650", "ipv4"));
    }
    if (v.ipv6) {
      body.addAll(family("IPv6: no RA, redirect, MLD query or DHCPv6 server, sources from IPV6SRC/IPV6SRCMASK only",
          NO_ROGUE_IPV6_ROUTER, NO_IPV6_SPOOFING, "-600", "ipv6"));
    }
    if (v.ipv4) {
      body.add(Comment.of("ARP: sender MAC must be MAC, sender address one of IP"));
      body.add(ref("no-arp-mac-spoofing"));
      body.add(ref(NO_ARP_IP_SPOOFING));
      // inout: replies to the VM's ARP must reach it too
      body.add(element("rule", "action", "accept", "direction", "inout", "priority", "-500").with(element("mac", "protocolid", "arp")));
    }
    body.add(Comment.of("everything else (other ethertypes, VLAN tags, RARP, STP) is dropped"));
    body.add(ref("no-other-l2-traffic"));
    return element("filter", "name", v.filter, "chain", "root")
        .with(new Comment(comment))
        .with(uuidOf(v.filter))
        .with(body);
  }

  /**
   * One IP family in a root filter: its server/router drops and source check, then
   * an accept of what passed both, and libvirt's allow-incoming for the way back.
   */
  private static List<Xml> family(String why, String dropsFilter, String sourceFilter, String acceptPriority, String protocolid) {
    return List.of(Comment.of(why), ref(dropsFilter), ref(sourceFilter),
        rule("accept", acceptPriority, element("mac", "protocolid", protocolid)), ref("allow-incoming-" + protocolid));
  }

  private static Element filter(String name, String chain, String priority, List<String> why) {
    return element("filter", "name", name, "chain", chain, "priority", priority)
        .with(new Comment(why), uuidOf(name));
  }

  private static Element uuidOf(String name) {
    return element("uuid").with(new Text(uuid(name).toString()));
  }

  private static Element ref(String filter) {
    return element("filterref", "filter", filter);
  }

  /** A rule for traffic sent by the VM ("out" of the VM, into the tap). */
  private static Element rule(String action, String priority, Element... match) {
    return element("rule", "action", action, "direction", "out", "priority", priority).with(match);
  }

  private static List<Xml> trailingReturn() {
    return List.of(new Comment(RETURN_WHY), rule("return", "1000"));
  }
}
