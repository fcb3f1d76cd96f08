package netfence.dataplane;

import inet.ipaddr.IPAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import netfence.model.AddressPlan;
import netfence.model.RoutedNetwork;
import netfence.policy.HostPolicy;
import netfence.policy.Port;

/**
 * What routed networks need from {@code ip}, for the taps that exist: the
 * host's address on each tap (the prefix's first address, /32 and /128),
 * a host route to the VM's addresses via its tap, its routed prefixes via
 * its address (onlink), all marked with {@link RouteState#PROTOCOL}; and
 * netfence's routes that nothing asks for any more removed. Only what is
 * missing is in {@code batch}.
 */
record RoutedPlan(List<String> batch) {
  RoutedPlan {
    batch = List.copyOf(batch);
  }

  static RoutedPlan of(HostPolicy policy, LinkState links, RouteState state) {
    var addresses = new ArrayList<String>();
    var wanted = new ArrayList<RouteState.Route>();
    for (var routed : policy.routed()) {
      for (Port p : routed.ports()) {
        if (links.exists(p.tap())) wanted(routed.network(), p, state, addresses, wanted);
      }
    }
    var batch = new ArrayList<String>();
    // Stale routes first: a re-addressed VM's new route may reuse the old destination on another tap.
    for (var r : state.staleOurs(wanted)) batch.add(delete(r));
    batch.addAll(addresses);
    for (var r : wanted) if (!state.hasRoute(r)) batch.add(replace(r));
    return new RoutedPlan(batch);
  }

  /** One tap's host addresses (those {@code state} lacks) and the routes to its VM: what {@link TapSetup} writes too. */
  static void wanted(RoutedNetwork net, Port p, RouteState state, List<String> addresses, List<RouteState.Route> wanted) {
    String tap = p.tap();
    net.hostIpv4().ifPresent(a -> address(addresses, state, tap, a, ""));
    net.hostIpv6().ifPresent(a -> address(addresses, state, tap, a, " nodad noprefixroute"));
    for (IPAddress a : p.addresses()) wanted.add(route(IpJson.withLength(AddressPlan.text(a)), Optional.empty(), tap));
    for (IPAddress prefix : p.iface().routedPrefixes()) {
      Optional<String> via = p.addresses().stream().filter(a -> a.isIPv4() == prefix.isIPv4()).findFirst().map(AddressPlan::text);
      wanted.add(route(IpJson.withLength(AddressPlan.text(prefix)), via, tap));
    }
  }

  /** The {@code ip route replace} command that installs {@code r}. */
  static String replace(RouteState.Route r) {
    return "route replace " + text(r) + (r.gateway().isPresent() ? " onlink" : "");
  }

  /** The {@code ip route del} command that removes {@code r}. */
  static String delete(RouteState.Route r) {
    return "route del " + text(r);
  }

  private static void address(List<String> out, RouteState state, String tap, IPAddress a, String options) {
    String text = IpJson.withLength(AddressPlan.text(a));
    if (!state.hasAddress(tap, text)) out.add("address replace " + text + " dev " + tap + options);
  }

  private static RouteState.Route route(String dst, Optional<String> via, String dev) {
    return new RouteState.Route(dst, via, dev, String.valueOf(RouteState.PROTOCOL));
  }

  private static String text(RouteState.Route r) {
    return r.dst() + r.gateway().map(g -> " via " + g).orElse("") + " dev " + r.dev() + " proto " + RouteState.PROTOCOL;
  }
}
