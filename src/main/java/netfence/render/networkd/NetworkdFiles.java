package netfence.render.networkd;

import inet.ipaddr.IPAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import netfence.model.AddressPlan;
import netfence.model.BridgedNetwork;
import netfence.model.RoutedNetwork;
import netfence.policy.HostPolicy;
import netfence.policy.Port;

/**
 * systemd-networkd files for a host and for the guests on it, from the
 * host's policy. Pure: model in, text out.
 *
 * <ul>
 *   <li>{@code networkd/host/30-<tap>.network} per routed tap: the host's
 *       /32 and /128, a host route to the VM, routes to its routed prefixes
 *       via the VM, forwarding on.
 *   <li>{@code networkd/host/25-<bridge>.netdev} and {@code .network} per
 *       bridge (no host addresses), {@code 30-<port>.network} per VM tap and
 *       trusted port, enslaving it.
 *   <li>{@code networkd/vm/<vm>/10-eth<n>.network} per VM interface, matched
 *       by MAC.
 * </ul>
 *
 * <pre>{@code
 * Map<String, String> files = NetworkdFiles.of(HostPolicy.of(inv, "hv1"), new NetworkdOptions(252));
 * }</pre>
 */
public final class NetworkdFiles {
  private NetworkdFiles() {}

  /** Every networkd file of the host and its guests, by path relative to the artefact directory. */
  public static Map<String, String> of(HostPolicy policy, NetworkdOptions options) {
    var files = new TreeMap<String, String>();
    hostUnits(policy, options).forEach((name, unit) -> files.put("networkd/host/" + name, unit.text()));
    guestUnits(policy).forEach((vm, units) -> units.forEach((name, unit) -> files.put("networkd/vm/" + vm + "/" + name, unit.text())));
    return files;
  }

  /** The host's files by file name, bridges first, in inventory order. */
  public static Map<String, UnitFile> hostUnits(HostPolicy policy, NetworkdOptions options) {
    var units = new LinkedHashMap<String, UnitFile>();
    for (var bridge : policy.bridges()) {
      putUnique(units, "25-" + bridge.name() + ".netdev", new UnitFile.Builder()
          .section("NetDev").set("Name", bridge.name()).set("Kind", "bridge").build());
      putUnique(units, "25-" + bridge.name() + ".network", new UnitFile.Builder()
          .section("Match").set("Name", bridge.name())
          .section("Network", "The host is not exposed on a VM bridge: no addresses, not even link-local.\n"
              + "Add a drop-in (25-" + bridge.name() + ".network.d/) if this host really needs one here.")
          .set("LinkLocalAddressing", "no").set("IPv6AcceptRA", "no").set("ConfigureWithoutCarrier", "yes")
          .build());
      for (Port p : bridge.ports()) putUnique(units, "30-" + p.tap() + ".network", bridgePort(p.tap(), bridge.name()));
      for (String t : bridge.network().trustedPorts()) putUnique(units, "30-" + t + ".network", bridgePort(t, bridge.name()));
    }
    for (var routed : policy.routed()) {
      for (Port p : routed.ports()) putUnique(units, "30-" + p.tap() + ".network", routedTap(routed.network(), p, options));
    }
    return units;
  }

  /** Each guest's files by VM name, then file name; VMs by index, interfaces in order. */
  public static Map<String, Map<String, UnitFile>> guestUnits(HostPolicy policy) {
    var ports = new ArrayList<>(policy.ports());
    ports.sort(Comparator.comparingInt(Port::index).thenComparingInt(Port::interfaceNumber));
    var byVm = new LinkedHashMap<String, Map<String, UnitFile>>();
    var defaulted = new LinkedHashMap<String, Set<Boolean>>();
    for (Port p : ports) {
      // Only the first interface with a family gets that family's default route: two
      // default routes of equal metric would make the guest pick one at random.
      Set<Boolean> hasDefault = defaulted.computeIfAbsent(p.vm(), k -> new HashSet<>());
      UnitFile unit = switch (p.network()) {
        case RoutedNetwork r -> routedGuest(r, p, hasDefault);
        case BridgedNetwork b -> bridgedGuest(b, p, hasDefault);
      };
      putUnique(byVm.computeIfAbsent(p.vm(), k -> new LinkedHashMap<>()), guestFileName(p), unit);
    }
    return byVm;
  }

  /** {@code 10-eth<n>.network}: the guest's name for the interface is unknown, the MAC matches it. */
  public static String guestFileName(Port p) {
    return "10-eth" + p.interfaceNumber() + ".network";
  }

  // ---- host -----------------------------------------------------------------

  private static UnitFile bridgePort(String port, String bridge) {
    return new UnitFile.Builder()
        .section("Match").set("Name", port)
        .section("Network").set("Bridge", bridge).set("LinkLocalAddressing", "no").set("IPv6AcceptRA", "no")
        .build();
  }

  private static UnitFile routedTap(RoutedNetwork net, Port p, NetworkdOptions options) {
    var b = new UnitFile.Builder().section("Match").set("Name", p.tap()).section("Network");
    net.hostIpv4().ifPresent(a -> b.set("Address", host(a)));
    net.hostIpv6().ifPresent(a -> b.set("Address", host(a)));
    boolean v4 = net.ipv4().isPresent();
    boolean v6 = net.ipv6().isPresent();
    if (options.forwardingPerFamily()) {
      if (v4) b.set("IPv4Forwarding", "yes");
      if (v6) b.set("IPv6Forwarding", "yes");
    } else {
      b.set("IPForward", v4 && v6 ? "yes" : v4 ? "ipv4" : "ipv6");
    }
    // Link-local stays for NDP with the guest; RAs are never accepted from a VM.
    b.set("IPv6AcceptRA", "no").set("LinkLocalAddressing", "ipv6");
    // The tap exists (and is configured) before the VM opens it.
    b.set("ConfigureWithoutCarrier", "yes");
    for (IPAddress a : p.addresses()) b.section("Route").set("Destination", host(a));
    for (IPAddress prefix : p.iface().routedPrefixes()) {
      // A prefix of a family the VM has no address in has no next hop; the route is left out.
      Optional<IPAddress> via = p.addresses().stream().filter(a -> a.isIPv4() == prefix.isIPv4()).findFirst();
      via.ifPresent(gw -> b.section("Route").set("Destination", AddressPlan.text(prefix))
          .set("Gateway", AddressPlan.text(gw)).set("GatewayOnLink", "yes"));
    }
    return b.build();
  }

  // ---- guests ---------------------------------------------------------------

  private static UnitFile routedGuest(RoutedNetwork net, Port p, Set<Boolean> hasDefault) {
    var b = new UnitFile.Builder().section("Match").set("MACAddress", p.macText()).section("Network");
    p.addresses().forEach(a -> b.set("Address", host(a)));
    net.dns().forEach(d -> b.set("DNS", AddressPlan.text(d)));
    staticLink(b, false);
    List<IPAddress> hosts = new ArrayList<>();
    net.hostIpv4().ifPresent(hosts::add);
    net.hostIpv6().ifPresent(hosts::add);
    String why = "The host's address is on-link. No GatewayOnLink= on a route without Gateway=:\n"
        + "the kernel rejects it (\"PERVASIVE and ONLINK can not be set\") and the link fails.";
    for (IPAddress h : hosts) {
      b.section("Route", h == hosts.getFirst() ? why : null).set("Destination", host(h));
    }
    for (IPAddress h : hosts) {
      if (hasDefault.add(h.isIPv4())) {
        b.section("Route").set("Destination", h.isIPv4() ? "0.0.0.0/0" : "::/0")
            .set("Gateway", AddressPlan.text(h)).set("GatewayOnLink", "yes");
      }
    }
    return b.build();
  }

  private static UnitFile bridgedGuest(BridgedNetwork net, Port p, Set<Boolean> hasDefault) {
    var b = new UnitFile.Builder().section("Match").set("MACAddress", p.macText()).section("Network");
    Optional<IPAddress> slaac = p.iface().slaac() ? net.ipv6().map(n -> AddressPlan.slaac(n, p.mac())) : Optional.empty();
    for (IPAddress a : p.addresses()) {
      if (slaac.isPresent() && slaac.get().equals(a)) continue; // the guest autoconfigures it
      IPAddress prefix = (a.isIPv4() ? net.ipv4() : net.ipv6()).orElseThrow();
      b.set("Address", AddressPlan.text(a) + "/" + prefix.getNetworkPrefixLength());
    }
    for (IPAddress gw : net.gateways()) {
      // A gateway of a family the interface has no address in would be unreachable
      // (and make the kernel reject the route).
      boolean usable = gw.isIPv4() ? !p.iface().ipv4Addresses().isEmpty() : !p.iface().ipv6Addresses().isEmpty();
      if (usable && hasDefault.add(gw.isIPv4())) b.set("Gateway", AddressPlan.text(gw));
    }
    net.dns().forEach(d -> b.set("DNS", AddressPlan.text(d)));
    staticLink(b, p.iface().slaac());
    return b.build();
  }

  /** Link-local and RA settings every guest gets; only the EUI-64 addresses pass the host's filter. */
  private static void staticLink(UnitFile.Builder b, boolean slaac) {
    b.set("IPv6AcceptRA", slaac ? "yes" : "no");
    if (slaac) b.set("IPv6PrivacyExtensions", "no"); // temporary addresses would be dropped as forged
    b.set("LinkLocalAddressing", "ipv6").set("IPv6LinkLocalAddressGenerationMode", "eui64");
  }

  // ---- values ---------------------------------------------------------------

  /** An address as a host prefix: /32 or /128. */
  private static String host(IPAddress a) {
    return AddressPlan.text(a) + (a.isIPv4() ? "/32" : "/128");
  }

  private static <V> void putUnique(Map<String, V> m, String name, V v) {
    // Names are unique per host after validation (taps, bridges, trusted ports); a clash is a bug.
    if (m.putIfAbsent(name, v) != null) throw new IllegalStateException("two networkd files named " + name);
  }
}
