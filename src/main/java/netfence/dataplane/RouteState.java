package netfence.dataplane;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Addresses and main-table routes of a namespace, from {@code ip -j addr},
 * {@code ip -j route} and {@code ip -j -6 route}; addresses and
 * destinations in canonical text with their length ({@code 10.0.0.5/32}).
 */
final class RouteState {
  /**
   * The route protocol number that marks netfence's routes (110, 0x6e: "n",
   * as in netfence's default MACs). iproute2's {@code rt_protos} does not use
   * it. A route with this protocol that the inventory no longer asks for is
   * netfence's to remove; routes of other protocols are never removed.
   */
  static final int PROTOCOL = 110;

  /** A route: destination, gateway if any, device and protocol (as ip prints it: a name or a number). */
  record Route(String dst, Optional<String> gateway, String dev, String protocol) {
    boolean ours() {
      return protocol.equals(String.valueOf(PROTOCOL));
    }

    /** What makes two routes the same: destination, gateway and device (protocol and metric do not matter). */
    Key key() {
      return new Key(dst, gateway, dev);
    }
  }

  /** A route's identity, for hash lookups: apply compares thousands of routes with thousands. */
  record Key(String dst, Optional<String> gateway, String dev) {}

  private final Map<String, Set<String>> addresses;
  private final List<Route> routes;
  private final Set<Key> keys = new HashSet<>();

  RouteState(Map<String, Set<String>> addresses, List<Route> routes) {
    this.addresses = addresses;
    this.routes = List.copyOf(routes);
    for (var r : this.routes) keys.add(r.key());
  }

  static RouteState read(Netns ns) {
    return parse(run(ns, "ip", "-j", "addr", "show"), run(ns, "ip", "-j", "route", "show", "table", "main"),
        run(ns, "ip", "-j", "-6", "route", "show", "table", "main"));
  }

  private static String run(Netns ns, String... cmd) {
    var r = ns.exec(cmd);
    if (!r.ok()) throw new ApplyException(String.join(" ", cmd) + " failed: " + r.stderr().strip());
    return r.stdout();
  }

  static RouteState parse(String addrJson, String route4Json, String route6Json) {
    var addresses = new HashMap<String, Set<String>>();
    for (JsonNode link : IpJson.parse(addrJson, "ip -j addr")) {
      var set = addresses.computeIfAbsent(link.path("ifname").asText(), k -> new HashSet<>());
      for (JsonNode a : link.path("addr_info")) {
        if (a.has("local")) set.add(IpJson.withLength(a.path("local").asText() + "/" + a.path("prefixlen").asInt()));
      }
    }
    var routes = new ArrayList<Route>();
    for (String json : List.of(route4Json, route6Json)) {
      for (JsonNode r : IpJson.parse(json, "ip -j route")) {
        String dst = r.path("dst").asText();
        if (dst.equals("default") || !r.has("dev")) continue; // netfence adds neither
        routes.add(new Route(IpJson.withLength(dst), Optional.ofNullable(r.path("gateway").textValue()).map(IpJson::canonical),
            r.path("dev").asText(), r.path("protocol").asText("")));
      }
    }
    return new RouteState(addresses, routes);
  }

  boolean hasAddress(String dev, String addressWithLength) {
    return addresses.getOrDefault(dev, Set.of()).contains(addressWithLength);
  }

  boolean hasRoute(Route r) {
    return keys.contains(r.key());
  }

  /** netfence's routes (by protocol) that none of {@code wanted} is. */
  List<Route> staleOurs(List<Route> wanted) {
    var want = new HashSet<Key>();
    for (var r : wanted) want.add(r.key());
    return routes.stream().filter(Route::ours).filter(r -> !want.contains(r.key())).toList();
  }
}
