package netfence.render.nft;

import static netfence.nft.Field.*;

import inet.ipaddr.IPAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import netfence.model.AddressPlan;
import netfence.nft.Family;
import netfence.nft.Nft;
import netfence.nft.Reason;
import netfence.nft.SetName;
import netfence.model.BridgedNetwork;
import netfence.model.RoutedNetwork;
import netfence.policy.HostPolicy;
import netfence.policy.Port;

/**
 * Translates a host's policy into netfence's nftables tables. The rules are
 * the same for every inventory; everything per VM lives in sets and maps, so
 * the per-packet cost does not grow with the number of VMs and a VM change is
 * a set-element change.
 *
 * <p>The common packet (IPv4 or IPv6 unicast from a VM's own address) costs
 * one hash lookup of (port, MAC, source), a few constant compares
 * (DHCP/RA/query drops) and, when forwarded, one lookup of its input port in
 * {@code named_ports}. MAC checks happen only on the way to a drop, to name
 * the reason.
 *
 * <p>What the inventory does not name gets nothing, by construction: the
 * bridge table's forward hook drops frames towards a named port (VM tap,
 * trusted port) from any other port, and the inet table's forward hook drops
 * packets towards a routed tap from anything but a routed tap, the uplink or
 * a trusted interface. {@code foreign_ports} additionally holds the ports of
 * guarded bridges that apply found outside the inventory (this kernel has no
 * {@code meta ibrname} in the bridge family, so that set cannot be written
 * from the model alone: compile leaves it empty).
 */
public final class NftPolicy {
  /** Drop reasons, one named counter each (bridge table). */
  public static final List<Reason> BRIDGE_COUNTERS = List.of(
      Reason.FORGED_MAC, Reason.FORGED_SRC, Reason.ARP_SPOOF, Reason.ND_SPOOF, Reason.ROGUE_DHCP, Reason.RA, Reason.ETHERTYPE,
      Reason.UNKNOWN_PORT, Reason.MCAST_QUERY, Reason.FRAG_EVASION, Reason.LLA_SPOOF, Reason.DHCP_CHADDR);

  /** Drop reasons of the routed table. */
  public static final List<Reason> ROUTED_COUNTERS = List.of(Reason.FORGED_SRC, Reason.ROGUE_DHCP, Reason.RA, Reason.HOST_INPUT,
      Reason.UNKNOWN_PORT);

  /**
   * The reasons counted per VM interface too: every reason of frames that come
   * from a VM's port (not {@code unknown_port}, whose ports are no VM's). Each
   * has a counted set {@code vm_<reason>} ({@link Nft.Data#COUNTER}) that the
   * chain {@code drop_<reason>}, where the drop rules jump, adds the input
   * interface to: only dropped packets pay for it, and only a VM that has had
   * a drop of that reason has an element, so the policy's size does not grow
   * with the counters.
   */
  static final List<Reason> BRIDGE_VM_REASONS = BRIDGE_COUNTERS.stream().filter(r -> r != Reason.UNKNOWN_PORT).toList();

  static final List<Reason> ROUTED_VM_REASONS = ROUTED_COUNTERS.stream().filter(r -> r != Reason.UNKNOWN_PORT).toList();

  private NftPolicy() {}

  /** The reasons counted per VM interface in netfence's table of {@code family} ({@code bridge} or {@code inet}). */
  public static List<Reason> vmReasons(Family family) {
    return family == Family.BRIDGE ? BRIDGE_VM_REASONS : ROUTED_VM_REASONS;
  }

  /** The tables for this host: always both, bridge then inet. */
  public static List<Nft.Table> tables(HostPolicy policy) {
    return tables(policy, List.of());
  }

  /**
   * The tables, with the bridge ports apply found that are not in the inventory. Both tables
   * are there on every host, even with no VM of their kind: their rules do not depend on the
   * inventory, so the first VM of a kind is a set-element change like any other (the table it
   * goes to exists), and what the inventory does not name is refused from the start.
   */
  public static List<Nft.Table> tables(HostPolicy policy, List<String> foreignPorts) {
    return List.of(bridge(policy, foreignPorts), routed(policy));
  }

  // ---- shared bridges -------------------------------------------------------

  static Nft.Table bridge(HostPolicy policy, List<String> foreignPorts) {
    var elements = new SetElements();
    var portVerdict = new ArrayList<Nft.Element>();
    var named = new ArrayList<Nft.Element>();
    for (var bridge : policy.bridges()) {
      for (String trusted : bridge.network().trustedPorts()) {
        portVerdict.add(new Nft.Element(List.of(ifname(trusted)), Optional.of(new Nft.Jump("trusted"))));
        named.add(Nft.Element.of(ifname(trusted)));
      }
      bridge.ports().forEach(elements::add);
    }
    portVerdict.addAll(elements.of(SetName.PORT_VERDICT));
    named.addAll(elements.of(SetName.NAMED_PORTS));
    var portMac = elements.of(SetName.PORT_MAC);
    var ip4 = elements.of(SetName.IP4_ADDR);
    var ip4net = elements.of(SetName.IP4_NET);
    var ip6 = elements.of(SetName.IP6_ADDR);
    var ip6net = elements.of(SetName.IP6_NET);
    var ndTargets = elements.of(SetName.ND_TARGET);
    var arp = elements.of(SetName.ARP_OK);
    var sets = List.of(
        new Nft.Set(SetName.PORT_VERDICT.id(), List.of(IIFNAME), false, true, portVerdict),
        new Nft.Set(SetName.NAMED_PORTS.id(), List.of(IIFNAME), false, false, named),
        new Nft.Set(SetName.FOREIGN_PORTS.id(), List.of(IIFNAME), false, false, foreignPorts.stream().map(f -> Nft.Element.of(ifname(f))).toList()),
        new Nft.Set(SetName.PORT_MAC.id(), List.of(IIFNAME, ETHER_SADDR), false, false, portMac),
        new Nft.Set(SetName.IP4_ADDR.id(), List.of(IIFNAME, ETHER_SADDR, IP_SADDR), false, false, ip4),
        new Nft.Set(SetName.IP4_NET.id(), List.of(IIFNAME, ETHER_SADDR, IP_SADDR), true, false, ip4net),
        new Nft.Set(SetName.IP6_ADDR.id(), List.of(IIFNAME, ETHER_SADDR, IP6_SADDR), false, false, ip6),
        new Nft.Set(SetName.IP6_NET.id(), List.of(IIFNAME, ETHER_SADDR, IP6_SADDR), true, false, ip6net),
        new Nft.Set(SetName.ND_TARGET.id(), List.of(IIFNAME, ETHER_SADDR, ND_TARGET), false, false, ndTargets),
        new Nft.Set(SetName.ARP_OK.id(), List.of(IIFNAME, ETHER_SADDR, ARP_SHA, ARP_SPA), false, false, arp),
        // The port's MAC as a 48-bit integer, for the link-layer addresses a VM writes inside its
        // payload (NDP options, DHCP chaddr): one element per port serves every such check.
        new Nft.Set(SetName.PORT_LLA.id(), List.of(IIFNAME, ND_OPT_LLA), false, false, elements.of(SetName.PORT_LLA)));
    var counters = BRIDGE_COUNTERS;

    var forgedMac = vmDrop(List.of(new Nft.InNamedSet(List.of(IIFNAME, ETHER_SADDR), SetName.PORT_MAC.id(), true)), Reason.FORGED_MAC);
    // Where conntrack is active on the host (NAT of a routed network),
    // br_netfilter would track every bridged IPv4/IPv6 frame too: bridged traffic skips it.
    // Where it is not, notrack would be a wasted expression per packet.
    var pass = new ArrayList<Nft.Rule>();
    if (conntrackActive(policy)) pass.add(rule(List.of(), null, new Nft.Notrack()));
    pass.add(rule(List.of(), null, accept()));
    var ra = vmDrop(List.of(new Nft.InSet(ICMPV6_TYPE, List.of("nd-router-advert", "nd-redirect"), false)), Reason.RA);
    var mld = vmDrop(List.of(Nft.eq(ICMPV6_TYPE, "mld-listener-query")), Reason.MCAST_QUERY);
    var dhcp6 = vmDrop(List.of(Nft.eq(UDP_SPORT, "547")), Reason.ROGUE_DHCP);
    var dhcp4 = vmDrop(List.of(Nft.eq(UDP_SPORT, "67")), Reason.ROGUE_DHCP);
    var igmp = vmDrop(List.of(Nft.eq(IGMP_TYPE, "membership-query")), Reason.MCAST_QUERY);
    var frag = rule(List.of(Nft.eq(FRAG_HDR, "exists")), null, new Nft.Jump("vm6_frag"));
    // Neighbour discovery a VM sends is judged in vm_nd; only these three types carry a link-layer
    // address the VM chose (redirects, which carry one too, are dropped as "ra").
    var nd = rule(List.of(new Nft.InSet(ICMPV6_TYPE, List.of("nd-router-solicit", "nd-neighbor-solicit", "nd-neighbor-advert"), false)),
        null, new Nft.Jump("vm_nd"));
    // A DHCPv4 client message must name the port's own MAC as its client (chaddr): no leases in another's name.
    var chaddr = vmDrop(List.of(Nft.eq(UDP_DPORT, "67"),
        new Nft.InNamedSet(List.of(IIFNAME, DHCP_CHADDR), SetName.PORT_LLA.id(), true)), Reason.DHCP_CHADDR);
    var ok4 = new ArrayList<>(List.of(dhcp4, chaddr, igmp));
    ok4.addAll(pass);
    var ok6 = new ArrayList<>(List.of(frag, ra, mld, dhcp6, nd));
    ok6.addAll(pass);
    var chains = List.of(
        // The common packet, IP from a VM's own address on its own port with its own MAC, costs one
        // hash lookup here and a few constant compares in ok4/ok6. Everything else takes the
        // port verdict map: trusted ports, the other VM traffic, and ports outside the inventory.
        new Nft.Chain("prerouting", Optional.of(new Nft.Hook("filter", "prerouting", -200, "accept")), List.of(
            // VLAN-tagged frames first: with VLAN offload the kernel's "ip saddr" dependency (meta
            // protocol) sees the inner protocol, so a tagged frame with a VM's own inner source would
            // match the lookups below. They take the port verdict: a VM port drops them (ethertype).
            rule(List.of(new Nft.InSet(ETHER_TYPE, List.of("8021q", "8021ad"), false)), null, new Nft.Vmap(List.of(IIFNAME), SetName.PORT_VERDICT.id())),
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME, ETHER_SADDR, IP_SADDR), SetName.IP4_ADDR.id(), false)), null, new Nft.Jump("ok4")),
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME, ETHER_SADDR, IP6_SADDR), SetName.IP6_ADDR.id(), false)), null, new Nft.Jump("ok6")),
            rule(List.of(), null, new Nft.Vmap(List.of(IIFNAME), SetName.PORT_VERDICT.id())),
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME), SetName.FOREIGN_PORTS.id(), false)), Reason.UNKNOWN_PORT.id(), drop()))),
        new Nft.Chain("ok4", Optional.empty(), ok4),
        new Nft.Chain("ok6", Optional.empty(), ok6),
        new Nft.Chain("trusted", Optional.empty(), pass),
        new Nft.Chain("from_vm", Optional.empty(), List.of(
            rule(List.of(), null, new Nft.Vmap(List.of(ETHER_TYPE), SetName.ETHERTYPE.id())),
            // VLAN tags, STP (an 802.3 length, not an ethertype), LLDP, anything else
            vmDrop(List.of(), Reason.ETHERTYPE))),
        new Nft.Chain("vm4", Optional.empty(), List.of(
            dhcp4,
            chaddr,
            igmp,
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME, ETHER_SADDR, IP_SADDR), SetName.IP4_NET.id(), false)), null, new Nft.Jump("pass")),
            forgedMac,
            rule(List.of(Nft.eq(IP_SADDR, "0.0.0.0"), Nft.eq(IP_DADDR, "255.255.255.255"),
                Nft.eq(UDP_SPORT, "68"), Nft.eq(UDP_DPORT, "67")), null, new Nft.Jump("pass")),
            vmDrop(List.of(), Reason.FORGED_SRC))),
        new Nft.Chain("vm6", Optional.empty(), List.of(
            frag, ra, mld, dhcp6, nd,
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME, ETHER_SADDR, IP6_SADDR), SetName.IP6_NET.id(), false)), null, new Nft.Jump("pass")),
            forgedMac,
            // Duplicate address detection and its MLD report come from the unspecified address.
            rule(List.of(Nft.eq(IP6_SADDR, "::"),
                new Nft.InSet(ICMPV6_TYPE, List.of("nd-neighbor-solicit", "mld2-listener-report"), false)), null, new Nft.Jump("pass")),
            vmDrop(List.of(), Reason.FORGED_SRC))),
        new Nft.Chain("pass", Optional.empty(), pass),
        // What a VM's RS, NS and NA announce. A NA must be for one of its own addresses. The first
        // option, where there is one, must be a link-layer address option (type 1 or 2, length 1)
        // carrying the port's MAC: a NA with another VM's MAC as target link-layer address would
        // poison the neighbours' caches. A message whose first option is something else is refused
        // too, so a link-layer option cannot hide behind another one (Linux uses the first one it
        // finds). A message without options has nothing to load there and passes. From :: (DAD)
        // no link-layer option is allowed by RFC 4861, and receivers ignore it.
        new Nft.Chain("vm_nd", Optional.empty(), List.of(
            vmDrop(List.of(Nft.eq(ICMPV6_TYPE, "nd-neighbor-advert"),
                new Nft.InNamedSet(List.of(IIFNAME, ETHER_SADDR, ND_TARGET), SetName.ND_TARGET.id(), true)), Reason.ND_SPOOF),
            rule(List.of(Nft.eq(IP6_SADDR, "::")), null, new Nft.Return()),
            vmDrop(List.of(Nft.eq(ICMPV6_TYPE, "nd-router-solicit"), new Nft.InSet(RS_OPT_HEAD, LLA_OPTIONS, true)), Reason.LLA_SPOOF),
            vmDrop(List.of(Nft.eq(ICMPV6_TYPE, "nd-router-solicit"),
                new Nft.InNamedSet(List.of(IIFNAME, RS_OPT_LLA), SetName.PORT_LLA.id(), true)), Reason.LLA_SPOOF),
            vmDrop(List.of(new Nft.InSet(ICMPV6_TYPE, List.of("nd-neighbor-solicit", "nd-neighbor-advert"), false),
                new Nft.InSet(ND_OPT_HEAD, LLA_OPTIONS, true)), Reason.LLA_SPOOF),
            vmDrop(List.of(new Nft.InSet(ICMPV6_TYPE, List.of("nd-neighbor-solicit", "nd-neighbor-advert"), false),
                new Nft.InNamedSet(List.of(IIFNAME, ND_OPT_LLA), SetName.PORT_LLA.id(), true)), Reason.LLA_SPOOF))),
        // RA-guard evasion (RFC 7113): with enough extension headers behind a fragment header the
        // ICMPv6 header lands in the second fragment and "icmpv6 type" silently does not match.
        // So ND/MLD must never be fragmented (RFC 6980) and a first fragment must hold the first
        // 8 bytes of the upper-layer header; later fragments fall through to the source checks.
        new Nft.Chain("vm6_frag", Optional.empty(), List.of(
            rule(List.of(Nft.ne(FRAG_OFF, "0")), null, new Nft.Return()),
            vmDrop(List.of(new Nft.InSet(ICMPV6_TYPE, List.of("mld-listener-query", "mld-listener-report", "mld-listener-done",
                "nd-router-solicit", "nd-router-advert", "nd-neighbor-solicit", "nd-neighbor-advert", "nd-redirect",
                "mld2-listener-report"), false)), Reason.FRAG_EVASION),
            rule(List.of(new Nft.Equals(TH_HEAD, Nft.Op.GE, "0")), null, new Nft.Return()),
            vmDrop(List.of(), Reason.FRAG_EVASION))),
        new Nft.Chain("vmarp", Optional.empty(), List.of(
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME, ETHER_SADDR, ARP_SHA, ARP_SPA), SetName.ARP_OK.id(), false)), null, accept()),
            forgedMac,
            vmDrop(List.of(), Reason.ARP_SPOOF))),
        // Fail closed without knowing the bridges: every frame towards a port the inventory names
        // (a VM's tap, a trusted port) must come from a port it names. The forward hook sees both
        // ports, for flooded frames once per output port. Ports outside the inventory on a guarded
        // bridge, plugged in while no agent runs, get nothing to the VMs; ports of other bridges
        // are never the output of a frame from a named port, so they are not touched. The common
        // frame, from a named port, costs one lookup.
        new Nft.Chain("forward", Optional.of(new Nft.Hook("filter", "forward", -200, "accept")), List.of(
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME), SetName.NAMED_PORTS.id(), true),
                new Nft.InNamedSet(List.of(OIFNAME), SetName.NAMED_PORTS.id(), false)), Reason.UNKNOWN_PORT.id(), drop()))));
    var ethertype = new Nft.Set(SetName.ETHERTYPE.id(), List.of(ETHER_TYPE), false, true, List.of(
        new Nft.Element(List.of("ip"), Optional.of(new Nft.Jump("vm4"))),
        new Nft.Element(List.of("ip6"), Optional.of(new Nft.Jump("vm6"))),
        new Nft.Element(List.of("arp"), Optional.of(new Nft.Jump("vmarp")))));
    var allSets = new ArrayList<>(sets);
    allSets.add(ethertype);
    allSets.addAll(countedSets(BRIDGE_VM_REASONS));
    var allChains = new ArrayList<>(chains);
    allChains.addAll(dropChains(BRIDGE_VM_REASONS));
    return new Nft.Table(Family.BRIDGE, Nft.TABLE, ids(counters), allSets, allChains);
  }

  // ---- routed networks ------------------------------------------------------

  static Nft.Table routed(HostPolicy policy) {
    var elements = new SetElements();
    var natSources = new ArrayList<Nft.Element>();
    // Who may reach the routed VMs at all: their taps, the uplink, the host's trusted interfaces.
    var reach = new ArrayList<Nft.Element>();
    policy.host().uplink().ifPresent(u -> reach.add(Nft.Element.of(ifname(u))));
    policy.host().trustedInterfaces().forEach(t -> reach.add(Nft.Element.of(ifname(t))));
    for (var routed : policy.routed()) {
      var net = routed.network();
      // The network's prefix and its VMs' routed IPv4 prefixes leave through one NAT rule;
      // a named set keeps adding or removing a VM an element change, not a rule change.
      if (net.nat() && net.ipv4().isPresent()) natSources.add(Nft.Element.of(addr(net.ipv4().get())));
      routed.ports().forEach(elements::add);
    }
    natSources.addAll(elements.of(SetName.NAT4));
    var taps = elements.of(SetName.ROUTED_TAPS);
    reach.addAll(elements.of(SetName.ROUTED_REACH));
    var r4 = elements.of(SetName.R4_ADDR);
    var r4net = elements.of(SetName.R4_NET);
    var r6 = elements.of(SetName.R6_ADDR);
    var r6net = elements.of(SetName.R6_NET);
    var services = elements.of(SetName.HOST_SERVICES);
    var nat = new ArrayList<Nft.Rule>();
    if (!natSources.isEmpty() && policy.host().uplink().isPresent()) {
      nat.add(rule(List.of(new Nft.InNamedSet(List.of(IP_SADDR), SetName.NAT4.id(), false),
          Nft.eq(OIFNAME, ifname(policy.host().uplink().get()))), null, new Nft.Masquerade()));
    }
    var sets = List.of(
        new Nft.Set(SetName.ROUTED_TAPS.id(), List.of(IIFNAME), false, false, taps),
        new Nft.Set(SetName.ROUTED_REACH.id(), List.of(IIFNAME), false, false, reach),
        new Nft.Set(SetName.R4_ADDR.id(), List.of(IIFNAME, IP_SADDR), false, false, r4),
        new Nft.Set(SetName.R4_NET.id(), List.of(IIFNAME, IP_SADDR), true, false, r4net),
        new Nft.Set(SetName.R6_ADDR.id(), List.of(IIFNAME, IP6_SADDR), false, false, r6),
        new Nft.Set(SetName.R6_NET.id(), List.of(IIFNAME, IP6_SADDR), true, false, r6net),
        new Nft.Set(SetName.HOST_SERVICES.id(), List.of(IIFNAME, L4PROTO, TH_DPORT), false, false, services),
        new Nft.Set(SetName.NAT4.id(), List.of(IP_SADDR), true, false, natSources));
    var allSets = new ArrayList<>(sets);
    allSets.addAll(countedSets(ROUTED_VM_REASONS));
    var counters = ROUTED_COUNTERS;
    var ra = vmDrop(List.of(new Nft.InSet(ICMPV6_TYPE, List.of("nd-router-advert", "nd-redirect"), false)), Reason.RA);
    // Conntrack runs only where NAT needs it; then traffic that does not leave through NAT skips it,
    // because tracking would cost every forwarded packet.
    boolean tracked = conntrackActive(policy);
    var ok4 = new ArrayList<Nft.Rule>(List.of(vmDrop(List.of(Nft.eq(UDP_SPORT, "67")), Reason.ROGUE_DHCP)));
    var ok6 = new ArrayList<Nft.Rule>(List.of(ra, vmDrop(List.of(Nft.eq(UDP_SPORT, "547")), Reason.ROGUE_DHCP)));
    if (tracked) {
      ok4.add(rule(List.of(new Nft.InNamedSet(List.of(IP_SADDR), SetName.NAT4.id(), false), new Nft.InNamedSet(List.of(IP_DADDR), SetName.NAT4.id(), true)),
          null, accept()));
      ok4.add(rule(List.of(), null, new Nft.Notrack()));
      ok6.add(rule(List.of(), null, new Nft.Notrack()));
    }
    ok4.add(rule(List.of(), null, accept()));
    ok6.add(rule(List.of(), null, accept()));
    var chains = new ArrayList<Nft.Chain>(List.of(
        // Raw priority: spoofed packets are dropped before conntrack sees them. The common packet,
        // from a VM's own address on its tap, costs one lookup here; routed taps only, because
        // bridged frames reach these hooks too (br_netfilter) with the bridge as iifname.
        new Nft.Chain("prerouting", Optional.of(new Nft.Hook("filter", "prerouting", -300, "accept")), List.of(
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME, IP_SADDR), SetName.R4_ADDR.id(), false)), null, new Nft.Jump("routed_ok4")),
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME, IP6_SADDR), SetName.R6_ADDR.id(), false)), null, new Nft.Jump("routed_ok6")),
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME), SetName.ROUTED_TAPS.id(), false)), null, new Nft.Jump("routed_in")))),
        new Nft.Chain("routed_ok4", Optional.empty(), ok4),
        new Nft.Chain("routed_ok6", Optional.empty(), ok6),
        new Nft.Chain("routed_in", Optional.empty(), List.of(
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME, IP_SADDR), SetName.R4_NET.id(), false)), null, new Nft.Jump("routed_ok4")),
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME, IP6_SADDR), SetName.R6_NET.id(), false)), null, new Nft.Jump("routed_ok6")),
            ra,
            rule(List.of(Nft.eq(IP6_SADDR, "::"),
                new Nft.InSet(ICMPV6_TYPE, List.of("nd-neighbor-solicit", "mld2-listener-report"), false)), null, accept()),
            vmDrop(List.of(), Reason.FORGED_SRC))),
        // The host is not the VMs' playground: ICMP, the network's host-services, and TCP segments
        // that cannot open a connection (replies to the host's own). Stateless, so the host input
        // policy does not switch conntrack on for every packet.
        // Closed by default: a packet routed to a VM's tap must come from a routed tap, the uplink or
        // a trusted interface. A tap no inventory names, whatever its rp_filter, reaches no VM. The
        // common packet, from one of those, costs one lookup; bridged frames (br_netfilter) have
        // the bridge as output, never a routed tap.
        new Nft.Chain("forward", Optional.of(new Nft.Hook("filter", "forward", 0, "accept")), List.of(
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME), SetName.ROUTED_REACH.id(), true),
                new Nft.InNamedSet(List.of(OIFNAME), SetName.ROUTED_TAPS.id(), false)), Reason.UNKNOWN_PORT.id(), drop()))),
        new Nft.Chain("input", Optional.of(new Nft.Hook("filter", "input", 0, "accept")), List.of(
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME), SetName.ROUTED_TAPS.id(), false)), null, new Nft.Jump("routed_input")))),
        new Nft.Chain("routed_input", Optional.empty(), List.of(
            rule(List.of(new Nft.InSet(L4PROTO, List.of("icmp", "ipv6-icmp"), false)), null, accept()),
            rule(List.of(new Nft.InNamedSet(List.of(IIFNAME, L4PROTO, TH_DPORT), SetName.HOST_SERVICES.id(), false)), null, accept()),
            rule(List.of(Nft.ne(TCP_SYN_ACK, "syn")), null, accept()),
            vmDrop(List.of(), Reason.HOST_INPUT)))));
    if (!nat.isEmpty()) {
      chains.add(new Nft.Chain("postrouting", Optional.of(new Nft.Hook("nat", "postrouting", 100, "accept")), nat));
    }
    chains.addAll(dropChains(ROUTED_VM_REASONS));
    return new Nft.Table(Family.INET, Nft.TABLE, ids(counters), allSets, chains);
  }

  /** Conntrack runs on the host only for NAT of a routed network. */
  static boolean conntrackActive(HostPolicy policy) {
    return policy.host().uplink().isPresent()
        && policy.routed().stream().anyMatch(r -> r.network().nat() && r.network().ipv4().isPresent());
  }

  // ---- one VM interface ---------------------------------------------------------

  /** The table a port's elements live in: {@code bridge} or {@code inet}. */
  public static Family family(Port p) {
    return p.network() instanceof BridgedNetwork ? Family.BRIDGE : Family.INET;
  }

  /**
   * The set elements one VM interface contributes, by set name. Every
   * element belongs to exactly one port, so adding, removing, re-addressing
   * or moving a VM is the difference of two of these: a set-element change.
   */
  public static java.util.Map<SetName, List<Nft.Element>> portElements(Port p) {
    var m = new java.util.LinkedHashMap<SetName, List<Nft.Element>>();
    String tap = ifname(p.tap());
    switch (p.network()) {
      case BridgedNetwork b -> {
        String mac = p.macText();
        add(m, SetName.PORT_VERDICT, new Nft.Element(List.of(tap), Optional.of(new Nft.Jump("from_vm"))));
        add(m, SetName.NAMED_PORTS, Nft.Element.of(tap));
        add(m, SetName.PORT_MAC, Nft.Element.of(tap, mac));
        add(m, SetName.PORT_LLA, Nft.Element.of(tap, macHex(p)));
        for (var a : p.exactSources(true)) {
          add(m, SetName.IP4_ADDR, Nft.Element.of(tap, mac, addr(a)));
          add(m, SetName.ARP_OK, Nft.Element.of(tap, mac, mac, addr(a)));
        }
        add(m, SetName.ARP_OK, Nft.Element.of(tap, mac, mac, "0.0.0.0")); // RFC 5227 probes
        for (var a : p.prefixes(true)) add(m, SetName.IP4_NET, Nft.Element.of(tap, mac, addr(a)));
        for (var a : p.exactSources(false)) {
          add(m, SetName.IP6_ADDR, Nft.Element.of(tap, mac, addr(a)));
          add(m, SetName.ND_TARGET, Nft.Element.of(tap, mac, hex128(a)));
        }
        for (var a : p.prefixes(false)) add(m, SetName.IP6_NET, Nft.Element.of(tap, mac, addr(a)));
      }
      case RoutedNetwork r -> {
        add(m, SetName.ROUTED_TAPS, Nft.Element.of(tap));
        add(m, SetName.ROUTED_REACH, Nft.Element.of(tap));
        p.exactSources(true).forEach(a -> add(m, SetName.R4_ADDR, Nft.Element.of(tap, addr(a))));
        p.prefixes(true).forEach(a -> add(m, SetName.R4_NET, Nft.Element.of(tap, addr(a))));
        p.exactSources(false).forEach(a -> add(m, SetName.R6_ADDR, Nft.Element.of(tap, addr(a))));
        p.prefixes(false).forEach(a -> add(m, SetName.R6_NET, Nft.Element.of(tap, addr(a))));
        r.hostServices().forEach(s -> add(m, SetName.HOST_SERVICES, Nft.Element.of(tap, s.protocol().nft(), String.valueOf(s.port()))));
        if (r.nat() && r.ipv4().isPresent()) {
          p.prefixes(true).stream().filter(x -> !r.ipv4().get().contains(x)).forEach(x -> add(m, SetName.NAT4, Nft.Element.of(addr(x))));
        }
      }
    }
    return m;
  }

  /** The elements of every port of a table, gathered by set name. */
  private static final class SetElements {
    private final java.util.Map<SetName, List<Nft.Element>> bySet = new java.util.EnumMap<>(SetName.class);

    void add(Port p) {
      portElements(p).forEach((set, list) -> bySet.computeIfAbsent(set, k -> new ArrayList<>()).addAll(list));
    }

    List<Nft.Element> of(SetName set) {
      return bySet.getOrDefault(set, List.of());
    }
  }

  private static List<Nft.Set> countedSets(List<Reason> reasons) {
    return reasons.stream().map(r -> new Nft.Set(SetName.counted(r).id(), List.of(IIFNAME), false, Nft.Data.COUNTER, List.of())).toList();
  }

  private static List<String> ids(List<Reason> reasons) {
    return reasons.stream().map(Reason::id).toList();
  }

  /** {@code drop_<reason>}: count per input interface (a full set ends that rule only), count the reason, drop. */
  private static List<Nft.Chain> dropChains(List<Reason> reasons) {
    return reasons.stream().map(r -> new Nft.Chain("drop_" + r.id(), Optional.empty(), List.of(
        rule(List.of(), null, new Nft.CountIn(List.of(IIFNAME), SetName.counted(r).id())),
        rule(List.of(), r.id(), drop())))).toList();
  }

  /** A drop with a per-VM reason: to its drop chain, so the common packet's path keeps its length. */
  private static Nft.Rule vmDrop(List<Nft.Match> matches, Reason reason) {
    return rule(matches, null, new Nft.Jump("drop_" + reason.id()));
  }

  private static void add(java.util.Map<SetName, List<Nft.Element>> m, SetName set, Nft.Element e) {
    m.computeIfAbsent(set, k -> new ArrayList<>()).add(e);
  }

  // ---- values ---------------------------------------------------------------

  private static Nft.Rule rule(List<Nft.Match> matches, String counter, Nft.Verdict verdict) {
    return new Nft.Rule(matches, Optional.ofNullable(counter), Optional.of(verdict));
  }

  private static Nft.Verdict accept() {
    return new Nft.Accept();
  }

  private static Nft.Verdict drop() {
    return new Nft.Drop();
  }

  /** An interface name as an nft string (validated: no quotes or escapes possible). */
  public static String ifname(String name) {
    return "\"" + name + "\"";
  }

  static String addr(IPAddress a) {
    return AddressPlan.text(a);
  }

  /** The port's MAC as the 48-bit integer raw-payload sets hold. */
  static String macHex(Port p) {
    return "0x" + java.util.HexFormat.of().formatHex(p.mac().getBytes());
  }

  /** The type and length of a source (1) or target (2) link-layer address option, length 1 (8 bytes). */
  private static final List<String> LLA_OPTIONS = List.of("0x0101", "0x0201");

  /** An IPv6 address as the 128-bit integer raw-payload sets hold. */
  static String hex128(IPAddress a) {
    return "0x" + a.toIPv6().toFullString().replace(":", "");
  }
}
