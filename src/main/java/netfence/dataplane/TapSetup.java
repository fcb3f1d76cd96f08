package netfence.dataplane;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import netfence.model.BridgedNetwork;
import netfence.model.RoutedNetwork;
import netfence.policy.Port;

/**
 * Configures ONE tap that has just appeared, without reading anything back:
 * a bridged tap is attached to its bridge and brought up; a routed tap is
 * brought up and gets the host's addresses, the routes to its VM and the
 * VM's prefixes (as {@link RoutedPlan} writes them, marked with route
 * protocol 110), then {@code rp_filter=1} and {@code accept_ra=0}. Every
 * command is idempotent ({@code replace}), so configuring twice is harmless.
 * Its filter needs nothing here: the tap's set elements are in place before
 * the tap exists.
 *
 * <pre>{@code
 * TapSetup.of(port).run(ns);   // one ip -batch, and for routed taps one sysctl -w
 * TapSetup.runAll(ns, setups);  // many taps in one ip -batch and one sysctl -w
 * }</pre>
 */
public record TapSetup(String tap, List<String> batch, Map<String, String> sysctls) {
  public TapSetup {
    batch = List.copyOf(batch);
    sysctls = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sysctls));
  }

  private static final RouteState NOTHING = new RouteState(Map.of(), List.of());

  /** What {@code port}'s tap needs. */
  public static TapSetup of(Port port) {
    String tap = port.tap();
    var batch = new ArrayList<String>();
    return switch (port.network()) {
      case BridgedNetwork b -> {
        batch.add("link set " + tap + " master " + b.bridge());
        batch.add("link set " + tap + " up");
        yield new TapSetup(tap, batch, Map.of());
      }
      case RoutedNetwork r -> {
        batch.add("link set " + tap + " up");
        var routes = new ArrayList<RouteState.Route>();
        RoutedPlan.wanted(r, port, NOTHING, batch, routes);
        routes.forEach(x -> batch.add(RoutedPlan.replace(x)));
        yield new TapSetup(tap, batch, Sysctls.tap(tap));
      }
    };
  }

  /** The commands that remove netfence's routes to a routed port's VM (nothing for a bridged port). */
  public static List<String> routesRemoved(Port port) {
    if (!(port.network() instanceof RoutedNetwork r)) return List.of();
    var routes = new ArrayList<RouteState.Route>();
    RoutedPlan.wanted(r, port, NOTHING, new ArrayList<>(), routes);
    return routes.stream().map(RoutedPlan::delete).toList();
  }

  /**
   * Runs several setups as one: one {@code ip -batch} and one {@code sysctl -w}
   * for all, so a burst of new taps costs two processes, not two per tap.
   * Returns the taps whose setup failed with why; when the joint run fails, each
   * setup is run alone to find them.
   */
  public static Map<String, String> runAll(Netns ns, List<TapSetup> setups) {
    if (setups.isEmpty()) return Map.of();
    if (setups.size() == 1) return runOne(ns, setups.getFirst());
    var batch = new ArrayList<String>();
    var sysctls = new LinkedHashMap<String, String>();
    for (var s : setups) {
      batch.addAll(s.batch());
      sysctls.putAll(s.sysctls());
    }
    try {
      new TapSetup("(" + setups.size() + " taps)", batch, sysctls).run(ns);
      return Map.of();
    } catch (ApplyException e) {
      var failed = new LinkedHashMap<String, String>();
      for (var s : setups) failed.putAll(runOne(ns, s));
      return failed;
    }
  }

  private static Map<String, String> runOne(Netns ns, TapSetup s) {
    try {
      s.run(ns);
      return Map.of();
    } catch (ApplyException e) {
      return Map.of(s.tap(), e.getMessage());
    }
  }

  /** Runs it in {@code ns}: one {@code ip -batch}, then one {@code sysctl -w} where there are sysctls. */
  public void run(Netns ns) {
    var r = ns.exec(List.of("ip", "-batch", "-"), String.join("\n", batch) + "\n");
    if (!r.ok()) throw new ApplyException("configuring tap " + tap + " failed: " + r.stderr().strip());
    if (sysctls.isEmpty()) return;
    var cmd = new ArrayList<>(List.of("sysctl", "-q", "-w"));
    sysctls.forEach((k, v) -> cmd.add(k + "=" + v));
    var s = ns.exec(cmd, null);
    if (!s.ok()) throw new ApplyException("sysctls of tap " + tap + " failed: " + s.stderr().strip());
  }
}
