package netfence.agent;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import netfence.agent.Transition.Action;
import netfence.agent.Transition.Event;
import netfence.agent.Transition.Phase;
import netfence.agent.Transition.State;
import netfence.dataplane.LinkEvents.Link;
import netfence.model.BridgedNetwork;
import netfence.policy.Port;

/**
 * The agent's decisions, without a kernel: the desired ports of one host and
 * the links observed in its namespace, and for each event the actions to
 * take. Each interface moves through {@link Transition}'s table; on top of
 * it, ports plugged into a guarded bridge that the inventory does not name
 * are put into {@code foreign_ports}, and a full sync is asked for whenever
 * what the kernel holds is not known.
 *
 * <p>Deterministic and kernel-free: the runner ({@link Agent}) feeds it events
 * (desired changes, link events, the results of the actions it asked for) and
 * carries out the actions through the data-plane driver. Costs are per event,
 * independent of the number of interfaces, except {@link #confirmAll} and
 * {@link #unconfirmAll} which visit every one.
 */
final class Reconciler {
  /** An action for the interface {@code key}. */
  record Keyed(String key, Action action) {}

  /** What to do: per-interface actions in order, foreign ports to add or remove, and whether to run a full sync. */
  record Plan(List<Keyed> actions, List<String> foreignAdd, List<String> foreignRemove, boolean sync) {
    boolean isEmpty() {
      return actions.isEmpty() && foreignAdd.isEmpty() && foreignRemove.isEmpty() && !sync;
    }
  }

  /** Interfaces by key ("vm/number"). */
  private final Map<String, State> states = new HashMap<>();
  /** The key of each desired tap. */
  private final Map<String, String> byTap = new HashMap<>();
  /** The links of the namespace, by name. */
  private final Map<String, Link> links = new HashMap<>();
  /** Per guarded bridge: the ports the inventory puts on it (its VMs' taps and its trusted ports), counted. */
  private final Map<String, Map<String, Integer>> named = new HashMap<>();
  /** Ports found on guarded bridges that the inventory does not name, and put into foreign_ports. */
  private final Set<String> foreign = new HashSet<>();
  /** The interfaces whose state changed since {@link #changed} was last asked. */
  private final Set<String> dirty = new HashSet<>();

  private final List<Keyed> actions = new ArrayList<>();
  private final List<String> foreignAdd = new ArrayList<>();
  private final List<String> foreignRemove = new ArrayList<>();
  private boolean sync;

  /** The plan of what the events since the last call asked for; clears it. */
  Plan plan() {
    var p = new Plan(List.copyOf(actions), List.copyOf(foreignAdd), List.copyOf(foreignRemove), sync);
    actions.clear();
    foreignAdd.clear();
    foreignRemove.clear();
    sync = false;
    return p;
  }

  // ---- events -----------------------------------------------------------------------------

  /** The links as a fresh look at the namespace found them (at start, or after lost link events). */
  void links(Collection<Link> all) {
    var seen = new HashSet<String>();
    for (Link l : all) {
      seen.add(l.name());
      link(l);
    }
    for (String gone : new ArrayList<>(links.keySet())) {
      if (!seen.contains(gone)) link(new Link(-1, gone, false, Optional.empty(), true, false));
    }
  }

  /** A link appeared, changed or went. */
  void link(Link l) {
    Link before = l.deleted() ? links.remove(l.name()) : links.put(l.name(), l);
    String key = byTap.get(l.name());
    if (key != null) {
      if (l.deleted()) step(key, new Event.LinkGone());
      else if (before == null || states.get(key).phase() == Phase.FILTERED) step(key, new Event.LinkUp());
    }
    foreignCheck(l.name());
  }

  /** One interface (key "vm/number") is now desired as {@code port}, or no longer ({@code empty}). */
  void desired(String key, Optional<Port> port) {
    State s = states.getOrDefault(key, State.NONE);
    s.desired().ifPresent(old -> unname(old));
    if (port.isPresent()) {
      Port p = port.get();
      s.desired().filter(old -> !old.tap().equals(p.tap())).ifPresent(old -> byTap.remove(old.tap(), key));
      byTap.put(p.tap(), key);
      name(p);
      step(key, new Event.Wanted(p));
    } else {
      s.desired().ifPresent(old -> byTap.remove(old.tap(), key));
      step(key, new Event.Unwanted());
    }
    s.desired().ifPresent(old -> foreignCheck(old.tap()));
    port.ifPresent(p -> foreignCheck(p.tap()));
  }

  /**
   * A desired interface whose kernel state is not known yet (at start): it waits for the full
   * sync this asks for, which reads the kernel back, rather than getting element changes.
   */
  void adopt(String key, Port p) {
    states.put(key, new State(Phase.GONE, Optional.empty(), Optional.empty(), false, 0, ""));
    desired(key, Optional.of(p));
  }

  /** A guarded bridge's trusted ports, as its network now has them (empty when the bridge is no longer guarded here). */
  void trusted(String bridge, Collection<String> before, Collection<String> after) {
    for (String t : before) count(bridge, t, -1);
    for (String t : after) count(bridge, t, +1);
    var touched = new HashSet<>(before);
    touched.addAll(after);
    touched.forEach(this::foreignCheck);
  }

  /** The result of one {@link Action.Elements} for {@code key}. */
  void elementsDone(String key, boolean ok, String why) {
    step(key, new Event.ElementsDone(ok, why));
  }

  /** The result of one {@link Action.Setup} for {@code key}. */
  void setupDone(String key, boolean ok, String why) {
    step(key, new Event.SetupDone(ok, why));
  }

  /** A full sync made the kernel match every desired interface. */
  void confirmAll() {
    for (String key : new ArrayList<>(states.keySet())) step(key, new Event.Confirmed());
  }

  /** A full sync failed. */
  void syncFailed(String why) {
    for (String key : new ArrayList<>(states.keySet())) step(key, new Event.SyncFailed(why));
  }

  /** netfence's tables were found missing or changed: nothing is known to be enforced until a sync says so. */
  void unconfirmAll(String why) {
    for (String key : new ArrayList<>(states.keySet())) step(key, new Event.Unconfirmed(why));
    sync = true;
  }

  /** Asks for a full sync (a periodic one, or after a table-wide change). */
  void requestSync() {
    sync = true;
  }

  /** The foreign ports the last full sync put into the set (it fills it from the bridges as they were). */
  void foreignSynced(Collection<String> ports) {
    foreign.clear();
    foreign.addAll(ports);
  }

  private void step(String key, Event e) {
    State s = states.getOrDefault(key, State.NONE);
    Optional<Port> port = e instanceof Event.Wanted w2 ? Optional.of(w2.port()) : s.desired().or(s::expected);
    boolean linkExists = port.map(p -> links.containsKey(p.tap())).orElse(false);
    var next = Transition.next(s, linkExists, e);
    if (next.state().phase() == Phase.GONE) states.remove(key);
    else states.put(key, next.state());
    for (Action a : next.actions()) actions.add(new Keyed(key, a));
    sync |= next.sync();
    if (!next.state().equals(s)) dirty.add(key);
  }

  // ---- ports not in the inventory ------------------------------------------------------------

  private void name(Port p) {
    if (p.network() instanceof BridgedNetwork b) count(b.bridge(), p.tap(), +1);
  }

  private void unname(Port p) {
    if (p.network() instanceof BridgedNetwork b) count(b.bridge(), p.tap(), -1);
  }

  private void count(String bridge, String port, int delta) {
    var ports = named.computeIfAbsent(bridge, k -> new HashMap<>());
    int n = ports.merge(port, delta, Integer::sum);
    if (n <= 0) ports.remove(port);
    if (ports.isEmpty()) named.remove(bridge);
  }

  /** Puts a port into foreign_ports, or takes it out, as its link and the inventory now say. */
  private void foreignCheck(String name) {
    Link l = links.get(name);
    boolean isForeign = l != null && l.master().isPresent() && named.containsKey(l.master().get())
        && !named.get(l.master().get()).containsKey(name);
    if (isForeign && foreign.add(name)) foreignAdd.add(name);
    else if (!isForeign && foreign.remove(name)) foreignRemove.add(name);
  }

  // ---- reading ---------------------------------------------------------------------------------

  /** Every interface's state, by key. */
  Map<String, State> states() {
    return java.util.Collections.unmodifiableMap(states);
  }

  /** The interfaces whose state changed since the last call, and their state now (absent: forgotten). */
  void changed(BiConsumer<String, Optional<State>> each) {
    for (String key : dirty) each.accept(key, Optional.ofNullable(states.get(key)));
    dirty.clear();
  }

  /** Whether a tap exists in the namespace. */
  boolean exists(String tap) {
    return links.containsKey(tap);
  }

  Set<String> foreignPorts() {
    return java.util.Collections.unmodifiableSet(foreign);
  }

  /** The guarded bridges and the ports named on each (for tests). */
  Map<String, Set<String>> named() {
    var m = new LinkedHashMap<String, Set<String>>();
    named.forEach((b, ports) -> m.put(b, Set.copyOf(ports.keySet())));
    return m;
  }
}
