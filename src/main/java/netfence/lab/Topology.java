package netfence.lab;

import inet.ipaddr.IPAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import netfence.model.AddressPlan;
import netfence.model.BridgedNetwork;
import netfence.model.RoutedNetwork;
import netfence.policy.HostPolicy;
import netfence.policy.Port;
import netfence.verify.Cases;

/**
 * The namespaces the lab builds for one host, as data: the host's own
 * namespace, and one namespace behind every host-side port the cases send
 * from or look at (VM taps, trusted ports, rogue ports, the uplink). Each
 * port is a veth pair: the host side carries the port's name, the far side
 * is {@code eth0}.
 *
 * <p>Namespace names are {@code nfl-h<host>} and {@code nfl-h<host>p<port>}:
 * short, and all of them start with {@code nfl-} so leftovers are easy to find.
 */
record Topology(String host, String hostNs, List<Bridge> bridges, List<End> ends, boolean defaultViaInternet) {
  /** The prefix of every namespace the lab creates. */
  static final String PREFIX = "nfl-";

  /** What sits behind a port. */
  enum Role {
    VM, TRUSTED, ROGUE, LATE, STRAY, TRUSTED_INTERFACE, INTERNET
  }

  /**
   * A bridge the lab creates in the host namespace; {@code labPorts} are enslaved by the lab before
   * apply, {@code latePorts} after it (no agent runs), VM taps by apply.
   */
  record Bridge(String name, List<String> labPorts, List<String> latePorts) {}

  /**
   * One veth pair: {@code port} on the host side, {@code eth0} in {@code ns}.
   *
   * @param label who is behind the port, as the matrix names it
   * @param mac the MAC of {@code eth0} (a VM's MAC), if it matters
   * @param addresses addresses of {@code eth0}, with prefix length
   * @param routes {@code ip} arguments that add routes inside {@code ns}
   * @param hostMac the MAC of the host side, if it matters
   * @param hostAddresses addresses the lab (not apply) puts on the host side
   */
  record End(
      String port,
      String ns,
      Role role,
      String label,
      Optional<String> mac,
      List<String> addresses,
      List<List<String>> routes,
      Optional<String> hostMac,
      List<String> hostAddresses) {}

  static Topology of(HostPolicy policy, int hostNumber) {
    String hostNs = PREFIX + "h" + hostNumber;
    var ends = new ArrayList<End>();
    var bridges = new ArrayList<Bridge>();
    var trustedPorts = new ArrayList<String>();
    var uplink = policy.host().uplink();
    for (int b = 0; b < policy.bridges().size(); b++) {
      var bridge = policy.bridges().get(b);
      BridgedNetwork net = bridge.network();
      for (Port p : bridge.ports()) {
        var addrs = p.addresses().stream().map(a -> withLength(a, (a.isIPv4() ? net.ipv4() : net.ipv6()))).toList();
        ends.add(new End(p.tap(), ns(hostNs, ends), Role.VM, p.vm(), Optional.of(p.macText()), addrs, List.of(),
            Optional.empty(), List.of()));
      }
      var labPorts = new ArrayList<String>();
      for (String trusted : net.trustedPorts()) {
        ends.add(new End(trusted, ns(hostNs, ends), Role.TRUSTED, "trusted " + trusted, Optional.empty(), List.of(), List.of(),
            Optional.empty(), List.of()));
        labPorts.add(trusted);
        trustedPorts.add(trusted);
      }
      String rogue = Cases.roguePort(b);
      ends.add(new End(rogue, ns(hostNs, ends), Role.ROGUE, "rogue port", Optional.empty(), List.of(), List.of(),
          Optional.empty(), List.of()));
      labPorts.add(rogue);
      String late = Cases.latePort(b);
      ends.add(new End(late, ns(hostNs, ends), Role.LATE, "late port", Optional.empty(), List.of(), List.of(),
          Optional.empty(), List.of()));
      bridges.add(new Bridge(bridge.name(), labPorts, List.of(late)));
    }
    for (var routed : policy.routed()) {
      RoutedNetwork net = routed.network();
      for (Port p : routed.ports()) {
        var addrs = new ArrayList<String>();
        var routes = new ArrayList<List<String>>();
        for (var a : p.addresses()) addrs.add(AddressPlan.text(a) + (a.isIPv4() ? "/32" : "/128"));
        if (!p.iface().ipv4Addresses().isEmpty()) {
          net.hostIpv4().ifPresent(h -> routes.add(List.of("-4", "route", "add", "default", "via", AddressPlan.text(h), "dev", "eth0", "onlink")));
        }
        if (!p.iface().ipv6Addresses().isEmpty()) {
          net.hostIpv6().ifPresent(h -> routes.add(List.of("-6", "route", "add", "default", "via", AddressPlan.text(h), "dev", "eth0", "onlink")));
        }
        ends.add(new End(p.tap(), ns(hostNs, ends), Role.VM, p.vm(), Optional.of(p.macText()), addrs, routes,
            Optional.of(Cases.HOST_TAP_MAC), List.of()));
      }
    }
    if (!policy.routed().isEmpty()) {
      ends.add(new End(Cases.STRAY_TAP, ns(hostNs, ends), Role.STRAY, "stray tap", Optional.empty(), List.of(), List.of(),
          Optional.of(Cases.HOST_TAP_MAC), List.of()));
      for (String t : policy.host().trustedInterfaces().stream().limit(1).toList()) {
        if (uplink.equals(Optional.of(t)) || trustedPorts.contains(t)) continue;
        ends.add(new End(t, ns(hostNs, ends), Role.TRUSTED_INTERFACE, "trusted " + t, Optional.empty(),
            List.of(AddressPlan.text(Cases.LAB_TRUSTED_PEER) + "/30"),
            List.of(List.of("-4", "route", "add", "default", "via", AddressPlan.text(Cases.LAB_TRUSTED_HOST), "dev", "eth0")),
            Optional.of(Cases.HOST_TAP_MAC), List.of(AddressPlan.text(Cases.LAB_TRUSTED_HOST) + "/30")));
      }
    }
    boolean nat = policy.routed().stream().anyMatch(r -> r.network().nat() && r.network().ipv4().isPresent());
    // An uplink that is also a trusted bridge port is just that port.
    boolean internet = nat && uplink.isPresent() && !trustedPorts.contains(uplink.get());
    if (internet) {
      ends.add(new End(uplink.get(), ns(hostNs, ends), Role.INTERNET, "internet", Optional.empty(),
          List.of(AddressPlan.text(Cases.LAB_INTERNET) + "/30"), List.of(), Optional.empty(),
          List.of(AddressPlan.text(Cases.LAB_UPLINK) + "/30")));
    }
    return new Topology(policy.host().name(), hostNs, bridges, ends, internet);
  }

  /** Every namespace, the host's first. */
  List<String> namespaces() {
    var all = new ArrayList<String>();
    all.add(hostNs);
    ends.forEach(e -> all.add(e.ns()));
    return all;
  }

  /** The namespace behind a host-side port. */
  String nsBehind(String port) {
    return ends.stream().filter(e -> e.port().equals(port)).findFirst().map(End::ns)
        .orElseThrow(() -> new IllegalArgumentException("the lab has no port '" + port + "' on host " + host));
  }

  private static String ns(String hostNs, List<End> ends) {
    return hostNs + "p" + ends.size();
  }

  private static String withLength(IPAddress a, Optional<IPAddress> network) {
    int bits = network.filter(n -> n.contains(a)).map(IPAddress::getNetworkPrefixLength).orElse(a.getBitCount());
    return AddressPlan.text(a) + "/" + bits;
  }
}
