package netfence.verify;

import static netfence.verify.Case.Expect.BLOCK;
import static netfence.verify.Case.Expect.PASS;

import inet.ipaddr.IPAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import netfence.model.AddressPlan;
import netfence.policy.HostPolicy;
import netfence.policy.Port;

/**
 * The attack and legitimate cases for one host, derived from its policy:
 * per VM port, per trusted port, one rogue port per bridge, and per routed
 * VM. {@code verify} evaluates them offline, {@code lab} sends them for real.
 */
public final class Cases {
  /** The extra bridge port the lab adds that is not in the inventory (on the host's first bridge). */
  public static final String ROGUE_PORT = "nf-rogue";

  /**
   * The port the lab plugs into each guarded bridge after apply, with no agent running: it is
   * in no set, so only the tables' construction keeps it from the VMs.
   */
  public static final String LATE_PORT = "nf-late";

  /** A tap the lab creates on a host with routed VMs that no inventory names (rp_filter 0). */
  public static final String STRAY_TAP = "nf-stray";

  /** The address of the far side of a trusted interface in the lab, and of the host's side. */
  public static final IPAddress LAB_TRUSTED_PEER = Packet.ip("100.127.254.2");

  public static final IPAddress LAB_TRUSTED_HOST = Packet.ip("100.127.254.1");

  /** The MAC the lab gives every host-side routed tap (the guests' next hop). */
  public static final String HOST_TAP_MAC = "02:6e:ff:00:00:01";

  /** The uplink's address in the lab, and the "internet" address behind it. */
  public static final IPAddress LAB_UPLINK = Packet.ip("100.127.255.1");

  public static final IPAddress LAB_INTERNET = Packet.ip("100.127.255.2");

  private static final String BROADCAST = "ff:ff:ff:ff:ff:ff";
  private static final String RANDOM_MAC = "02:de:ad:be:ef:01";

  private Cases() {}

  public static List<Case> of(HostPolicy policy) {
    var out = new ArrayList<Case>();
    for (int i = 0; i < policy.bridges().size(); i++) bridge(policy.bridges().get(i), roguePort(i), latePort(i), out);
    for (var routed : policy.routed()) routed(policy, routed, out);
    if (!policy.routed().isEmpty()) strangers(policy, out);
    return out;
  }

  /**
   * The rogue port of the host's bridge number {@code bridgeNumber} (0-based): interface names
   * are unique in a namespace, so every bridge after the first gets its own.
   */
  public static String roguePort(int bridgeNumber) {
    return bridgeNumber == 0 ? ROGUE_PORT : ROGUE_PORT + bridgeNumber;
  }

  /** The late port of the host's bridge number {@code bridgeNumber}, named like {@link #roguePort}. */
  public static String latePort(int bridgeNumber) {
    return bridgeNumber == 0 ? LATE_PORT : LATE_PORT + bridgeNumber;
  }

  /** The rogue ports of all of the host's bridges, in bridge order. */
  public static List<String> roguePorts(HostPolicy policy) {
    return java.util.stream.IntStream.range(0, policy.bridges().size()).mapToObj(Cases::roguePort).toList();
  }

  // ---- bridged ----------------------------------------------------------------

  private static void bridge(HostPolicy.Bridge bridge, String roguePort, String latePort, List<Case> out) {
    List<Port> ports = bridge.ports();
    var net = bridge.network();
    for (int i = 0; i < ports.size(); i++) {
      Port a = ports.get(i);
      Optional<Port> victim = ports.size() > 1 ? Optional.of(ports.get((i + 1) % ports.size())) : Optional.empty();
      var c = new Builder(out, a.vm(), a.tap(), Case.Path.BRIDGE, roguePort);
      String mac = a.macText();
      Optional<IPAddress> v4 = a.iface().ipv4Addresses().stream().findFirst();
      IPAddress ll = a.linkLocal();
      IPAddress any4 = v4.orElse(Packet.ip("0.0.0.0"));
      IPAddress bcast4 = Packet.ip("255.255.255.255");
      IPAddress allNodes = Packet.ip("ff02::1");
      IPAddress unknown4 = net.ipv4().flatMap(p -> AddressPlan.nth(p, p.toPrefixBlock().getCount().longValue() - 2)).orElse(Packet.ip("192.0.2.254"));
      IPAddress unknown6 = net.ipv6().flatMap(p -> AddressPlan.nth(p, 0xbad)).orElse(Packet.ip("2001:db8::bad"));

      // Legitimate use of its own addresses.
      v4.ifPresent(x -> c.add("IPv4 from own address " + x, PASS, Packet.udp(mac, BROADCAST, x, bcast4, 40000, 9)));
      for (var x : a.iface().ipv6Addresses()) {
        c.add("IPv6 from own address " + x + (a.iface().slaac() && x.equals(a.iface().ipv6Addresses().getLast()) ? " (SLAAC)" : ""), PASS,
            Packet.udp(mac, BROADCAST, x, allNodes, 40000, 9));
      }
      c.add("IPv6 from own link-local " + ll, PASS, Packet.udp(mac, BROADCAST, ll, allNodes, 40000, 9));
      for (var p : a.prefixes(true)) {
        c.add("IPv4 from inside routed prefix " + p, PASS, Packet.udp(mac, BROADCAST, inside(p), bcast4, 40000, 9));
      }
      for (var p : a.prefixes(false)) {
        c.add("IPv6 from inside routed prefix " + p, PASS, Packet.udp(mac, BROADCAST, inside(p), allNodes, 40000, 9));
      }
      v4.ifPresent(x -> c.add("ARP request for own " + x, PASS, Packet.arp(mac, BROADCAST, 1, mac, x, unknown4)));
      c.add("NDP neighbour solicitation from own link-local", PASS,
          Packet.icmp(mac, BROADCAST, ll, allNodes, 135, Optional.of(unknown6)));
      for (var x : a.exactSources(false)) {
        c.add("NDP advertisement for own " + x, PASS, Packet.icmp(mac, BROADCAST, ll, allNodes, 136, Optional.of(x)));
      }
      c.add("NDP advertisement for own " + ll + " without target link-layer option", PASS,
          Packet.icmp(mac, BROADCAST, ll, allNodes, 136, Optional.of(ll)).withLla(Optional.empty()));
      c.add("router solicitation with own source link-layer address", PASS,
          Packet.icmp(mac, BROADCAST, ll, Packet.ip("ff02::2"), 133, Optional.empty()));
      c.add("DHCPDISCOVER from 0.0.0.0", PASS, Packet.udp(mac, BROADCAST, Packet.ip("0.0.0.0"), bcast4, 68, 67));
      v4.ifPresent(x -> c.add("DHCPREQUEST from own " + x, PASS, Packet.udp(mac, BROADCAST, x, bcast4, 68, 67)));
      c.add("DAD neighbour solicitation from ::", PASS,
          Packet.icmp(mac, BROADCAST, Packet.ip("::"), Packet.ip("ff02::1:ff00:1"), 135, Optional.of(ll)));

      // Attacks.
      String otherMac = victim.map(Port::macText).orElse(RANDOM_MAC);
      c.add("forged source MAC " + otherMac + (victim.isPresent() ? " (VM " + victim.get().vm() + "'s)" : ""), BLOCK,
          v4.isPresent() ? Packet.udp(otherMac, BROADCAST, any4, bcast4, 40000, 9) : Packet.udp(otherMac, BROADCAST, ll, allNodes, 40000, 9));
      c.add("forged random source MAC " + RANDOM_MAC, BLOCK, Packet.udp(RANDOM_MAC, BROADCAST, ll, allNodes, 40000, 9));
      victim.ifPresent(v -> {
        v.iface().ipv4Addresses().stream().findFirst().ifPresent(x -> {
          c.add("IPv4 source of VM " + v.vm() + " (" + x + ")", BLOCK, Packet.udp(mac, BROADCAST, x, bcast4, 40000, 9));
          // Unicast to the victim's MAC: a bridge that knows that MAC sends it to the victim only.
          new Builder(out, a.vm(), a.tap(), Case.Path.BRIDGE, v.tap())
              .add("ARP reply claiming VM " + v.vm() + "'s " + x, BLOCK, Packet.arp(mac, v.macText(), 2, mac, x, x));
          c.add("gratuitous ARP claiming VM " + v.vm() + "'s " + x, BLOCK, Packet.arp(mac, BROADCAST, 1, mac, x, x));
        });
        v.iface().ipv6Addresses().stream().findFirst().ifPresent(x -> {
          c.add("IPv6 source of VM " + v.vm() + " (" + x + ")", BLOCK, Packet.udp(mac, BROADCAST, x, allNodes, 40000, 9));
          c.add("NDP advertisement for VM " + v.vm() + "'s " + x, BLOCK, Packet.icmp(mac, BROADCAST, ll, allNodes, 136, Optional.of(x)));
        });
        c.add("IPv6 source of VM " + v.vm() + "'s link-local", BLOCK, Packet.udp(mac, BROADCAST, v.linkLocal(), allNodes, 40000, 9));
      });
      // Link-layer addresses announced inside the payload: another VM's MAC poisons neighbour caches
      // (NDP) or takes leases in its name (DHCP chaddr).
      String whose = victim.map(v -> "VM " + v.vm() + "'s MAC ").orElse("another MAC ");
      c.add("NDP advertisement for own " + ll + " with " + whose + "as target link-layer address", BLOCK,
          Packet.icmp(mac, BROADCAST, ll, allNodes, 136, Optional.of(ll)).withLla(Optional.of(otherMac)));
      c.add("NDP advertisement for own " + ll + " with " + whose + "as target link-layer address behind another option", BLOCK,
          Packet.icmp(mac, BROADCAST, ll, allNodes, 136, Optional.of(ll)).withLla(Optional.of(otherMac)).withLlaBehindAnotherOption());
      c.add("neighbour solicitation with " + whose + "as source link-layer address", BLOCK,
          Packet.icmp(mac, BROADCAST, ll, allNodes, 135, Optional.of(unknown6)).withLla(Optional.of(otherMac)));
      c.add("router solicitation with " + whose + "as source link-layer address", BLOCK,
          Packet.icmp(mac, BROADCAST, ll, Packet.ip("ff02::2"), 133, Optional.empty()).withLla(Optional.of(otherMac)));
      c.add("DHCPDISCOVER with " + whose + "as chaddr", BLOCK,
          Packet.udp(mac, BROADCAST, Packet.ip("0.0.0.0"), bcast4, 68, 67).withLla(Optional.of(otherMac)));
      v4.ifPresent(x -> c.add("DHCPREQUEST from own " + x + " with " + whose + "as chaddr", BLOCK,
          Packet.udp(mac, BROADCAST, x, bcast4, 68, 67).withLla(Optional.of(otherMac))));
      c.add("IPv4 source in nobody's allowlist (" + unknown4 + ")", BLOCK, Packet.udp(mac, BROADCAST, unknown4, bcast4, 40000, 9));
      c.add("IPv6 source in nobody's allowlist (" + unknown6 + ")", BLOCK, Packet.udp(mac, BROADCAST, unknown6, allNodes, 40000, 9));
      v4.ifPresent(x -> c.add("ARP whose sender MAC differs from the frame's", BLOCK, Packet.arp(mac, BROADCAST, 1, otherMac, x, unknown4)));
      c.add("router advertisement", BLOCK, Packet.icmp(mac, BROADCAST, ll, allNodes, 134, Optional.empty()));
      c.add("router advertisement behind a hop-by-hop header", BLOCK,
          Packet.icmp(mac, BROADCAST, ll, allNodes, 134, Optional.empty()).withHopByHop());
      c.add("router advertisement in a second IPv6 fragment (RFC 7113 evasion)", BLOCK,
          Packet.icmp(mac, BROADCAST, ll, allNodes, 134, Optional.empty()).asFirstFragmentOnly());
      c.add("DHCPv4 server answer (udp 67 -> 68)", BLOCK, Packet.udp(mac, BROADCAST, any4, bcast4, 67, 68));
      c.add("DHCPv6 server answer (udp 547 -> 546)", BLOCK, Packet.udp(mac, BROADCAST, ll, Packet.ip("ff02::1:2"), 547, 546));
      c.add("VLAN-tagged frame (802.1Q id 42)", BLOCK,
          (v4.isPresent() ? Packet.udp(mac, BROADCAST, any4, bcast4, 40000, 9) : Packet.udp(mac, BROADCAST, ll, allNodes, 40000, 9)).withVlan(42));
      c.add("STP BPDU (802.3/LLC)", BLOCK, Packet.raw(mac, BROADCAST, 0x0026));
      c.add("LLDP (ethertype 0x88cc)", BLOCK, Packet.raw(mac, BROADCAST, Packet.LLDP));
      c.add("MLD query", BLOCK, Packet.icmp(mac, BROADCAST, ll, allNodes, 130, Optional.empty()).withHopByHop());
      c.add("IGMP query", BLOCK, Packet.igmp(mac, any4, 0x11));
    }
    if (ports.isEmpty()) return;
    Port first = ports.getFirst();
    for (String trusted : net.trustedPorts()) {
      var t = new Builder(out, "trusted " + trusted, trusted, Case.Path.BRIDGE, first.tap());
      t.add("router advertisement from the trusted port", PASS,
          Packet.icmp("02:00:00:00:aa:01", BROADCAST, Packet.ip("fe80::1"), Packet.ip("ff02::1"), 134, Optional.empty()));
      t.add("DHCPv4 server answer from the trusted port", PASS,
          Packet.udp("02:00:00:00:aa:01", BROADCAST, Packet.ip("192.0.2.1"), Packet.ip("255.255.255.255"), 67, 68));
    }
    var r = new Builder(out, "rogue port", roguePort, Case.Path.BRIDGE, first.tap());
    r.add("IPv4 from a port not in the inventory", BLOCK, Packet.udp("02:00:00:00:bb:01", BROADCAST,
        first.iface().ipv4Addresses().stream().findFirst().orElse(Packet.ip("192.0.2.99")), Packet.ip("255.255.255.255"), 40000, 9));
    r.add("IPv6 from a port not in the inventory", BLOCK,
        Packet.udp("02:00:00:00:bb:01", BROADCAST, Packet.ip("fe80::bb:1"), Packet.ip("ff02::1"), 40000, 9));
    var late = new Builder(out, "late port", latePort, Case.Path.BRIDGE, first.tap());
    late.add("IPv4 from a port plugged in after apply, no agent", BLOCK, Packet.udp("02:00:00:00:cc:01", BROADCAST,
        first.iface().ipv4Addresses().stream().findFirst().orElse(Packet.ip("192.0.2.98")), Packet.ip("255.255.255.255"), 40000, 9));
    late.add("IPv6 from a port plugged in after apply, no agent", BLOCK,
        Packet.udp("02:00:00:00:cc:01", BROADCAST, Packet.ip("fe80::cc:1"), Packet.ip("ff02::1"), 40000, 9));
  }

  // ---- routed -------------------------------------------------------------------

  private static void routed(HostPolicy policy, HostPolicy.Routed routed, List<Case> out) {
    var net = routed.network();
    var allRouted = policy.routed().stream().flatMap(r -> r.ports().stream()).toList();
    for (Port a : routed.ports()) {
      Optional<Port> victim = allRouted.stream().filter(p -> !p.vm().equals(a.vm())).findFirst();
      String mac = a.macText();
      var toHost = new Builder(out, a.vm(), a.tap(), Case.Path.HOST, a.tap());
      for (boolean v4 : new boolean[] {true, false}) {
        Optional<IPAddress> own = (v4 ? a.iface().ipv4Addresses() : a.iface().ipv6Addresses()).stream().findFirst();
        Optional<IPAddress> host = v4 ? net.hostIpv4() : net.hostIpv6();
        if (own.isEmpty() || host.isEmpty()) continue;
        String fam = v4 ? "IPv4" : "IPv6";
        toHost.add("ping the host's " + host.get(), PASS, Packet.icmp(mac, HOST_TAP_MAC, own.get(), host.get(), v4 ? 8 : 128, Optional.empty()));
        for (var s : net.hostServices()) {
          if (s.protocol() == netfence.model.HostService.Protocol.UDP) {
            toHost.add(fam + " to host service " + s, PASS, Packet.udp(mac, HOST_TAP_MAC, own.get(), host.get(), 40000, s.port()));
          }
        }
        toHost.add(fam + " to a host port not in host-services (udp/5355)", BLOCK,
            Packet.udp(mac, HOST_TAP_MAC, own.get(), host.get(), 40000, 5355));
        if (!v4) {
          toHost.add("router advertisement to the host", BLOCK, Packet.icmp(mac, HOST_TAP_MAC, a.linkLocal(), Packet.ip("ff02::1"), 134, Optional.empty()));
        }
        var fwd = victim.map(v -> new Builder(out, a.vm(), a.tap(), Case.Path.FORWARD, v.tap()));
        victim.ifPresent(v -> (v4 ? v.iface().ipv4Addresses() : v.iface().ipv6Addresses()).stream().findFirst().ifPresent(vAddr -> {
          var f = fwd.get();
          f.add(fam + " to VM " + v.vm() + " (" + vAddr + ")", PASS, Packet.udp(mac, HOST_TAP_MAC, own.get(), vAddr, 40000, 9));
          for (var p : a.prefixes(v4)) {
            f.add(fam + " from inside routed prefix " + p + " to VM " + v.vm(), PASS, Packet.udp(mac, HOST_TAP_MAC, inside(p), vAddr, 40000, 9));
          }
          f.add(fam + " with VM " + v.vm() + "'s source " + vAddr, BLOCK, Packet.udp(mac, HOST_TAP_MAC, vAddr, vAddr, 40000, 9));
          IPAddress unknown = v4 ? Packet.ip("192.0.2.77") : Packet.ip("2001:db8::77");
          f.add(fam + " from a source in nobody's allowlist (" + unknown + ")", BLOCK, Packet.udp(mac, HOST_TAP_MAC, unknown, vAddr, 40000, 9));
          // From the VM's own global address: the kernel never forwards a link-local source
          // (RFC 4291), so a routed answer from fe80:: would be dropped with or without netfence.
          f.add((v4 ? "DHCPv4" : "DHCPv6") + " server answer to VM " + v.vm(), BLOCK,
              Packet.udp(mac, HOST_TAP_MAC, own.get(), vAddr, v4 ? 67 : 547, v4 ? 68 : 546));
        }));
      }
      Optional<IPAddress> own4 = a.iface().ipv4Addresses().stream().findFirst();
      if (net.nat() && own4.isPresent() && policy.host().uplink().isPresent()) {
        var inet = new Builder(out, a.vm(), a.tap(), Case.Path.FORWARD, policy.host().uplink().get());
        inet.addNat("IPv4 to the internet, source NATed to the uplink", Packet.udp(mac, HOST_TAP_MAC, own4.get(), LAB_INTERNET, 40000, 9));
      }
    }
  }

  /**
   * Who may reach the routed VMs besides their taps and the uplink: the host's trusted interfaces
   * may; a tap no inventory names (created while no agent runs, rp_filter 0) may not, neither with
   * a routed VM's source nor with its own.
   */
  private static void strangers(HostPolicy policy, List<Case> out) {
    var all = policy.routed().stream().flatMap(r -> r.ports().stream()).toList();
    Port target = all.getFirst();
    Optional<Port> spoofed = all.stream().filter(p -> !p.vm().equals(target.vm())).findFirst();
    var stray = new Builder(out, "stray tap", STRAY_TAP, Case.Path.FORWARD, target.tap());
    for (boolean v4 : new boolean[] {true, false}) {
      Optional<IPAddress> to = (v4 ? target.iface().ipv4Addresses() : target.iface().ipv6Addresses()).stream().findFirst();
      if (to.isEmpty()) continue;
      String fam = v4 ? "IPv4" : "IPv6";
      IPAddress own = v4 ? Packet.ip("192.0.2.50") : Packet.ip("2001:db8::50");
      stray.add(fam + " to VM " + target.vm() + " from a tap not in the inventory", BLOCK,
          Packet.udp("02:00:00:00:dd:01", HOST_TAP_MAC, own, to.get(), 40000, 9));
      IPAddress forged = spoofed.flatMap(s -> (v4 ? s.iface().ipv4Addresses() : s.iface().ipv6Addresses()).stream().findFirst())
          .orElse(to.get());
      stray.add(fam + " to VM " + target.vm() + " from a tap not in the inventory, with a routed VM's source " + forged, BLOCK,
          Packet.udp("02:00:00:00:dd:01", HOST_TAP_MAC, forged, to.get(), 40000, 9));
      if (v4) {
        // The lab gives the first one a peer; more would share its addresses.
        for (String t : policy.host().trustedInterfaces().stream().limit(1).toList()) {
          new Builder(out, "trusted " + t, t, Case.Path.FORWARD, target.tap()).add("IPv4 to VM " + target.vm() + " from trusted interface " + t,
              PASS, Packet.udp("02:00:00:00:ee:01", HOST_TAP_MAC, LAB_TRUSTED_PEER, to.get(), 40000, 9));
        }
      }
    }
  }

  /** An address well inside a prefix (its second address). */
  private static IPAddress inside(IPAddress prefix) {
    return AddressPlan.nth(prefix, 1).orElseThrow();
  }

  /** Adds cases that share sender, ingress, path and observer. */
  private record Builder(List<Case> out, String vm, String ingress, Case.Path path, String observer) {
    void add(String name, Case.Expect expect, Packet p) {
      out.add(new Case(vm, name, expect, ingress, path, p, observer, Optional.empty()));
    }

    void addNat(String name, Packet p) {
      out.add(new Case(vm, name, PASS, ingress, path, p, observer, Optional.of(LAB_UPLINK)));
    }
  }
}
