package netfence.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import netfence.dataplane.ApplyException;
import netfence.dataplane.HostApply;
import netfence.dataplane.LinkEvents;
import netfence.dataplane.Netns;
import netfence.dataplane.NftSession;
import netfence.dataplane.TableGuard;
import netfence.dataplane.TapSetup;
import netfence.dataplane.VmUpdate;
import netfence.model.BridgedNetwork;
import netfence.model.Inventory;
import netfence.nft.Family;
import netfence.nft.Nft;
import netfence.nft.NftCommand;
import netfence.nft.SetName;
import netfence.policy.HostPolicy;
import netfence.policy.Port;
import netfence.render.nft.NftPolicy;
import netfence.store.StateStore;

/**
 * {@code netfence serve}'s data-plane half: keeps one host's namespace
 * matching the desired inventory as it changes and as taps come and go.
 *
 * <ul>
 *   <li>At start, one full {@link HostApply} (read back, diffed), then it listens.
 *   <li>{@link #onChange}: per VM whose ports differ, one {@link VmUpdate} transaction
 *       (element changes only) and its tap's setup; network or host changes take a full apply.
 *   <li>Link events ({@link LinkEvents}): a tap of the inventory appearing is configured
 *       ({@link TapSetup}) at once; one disappearing is PENDING again; a port the inventory
 *       does not know plugged into a guarded bridge goes into {@code foreign_ports} at once.
 *   <li>A {@link TableGuard} restores netfence's tables when someone else changes nftables;
 *       a periodic full apply is the safety net for anything missed.
 * </ul>
 *
 * All reconciliation runs on one thread, so the steps never interleave.
 *
 * <pre>{@code
 * try (var agent = Agent.start(Netns.current(), "hv1", store.inventory(), Duration.ofSeconds(60), System.err::println)) {
 *   store.addListener(agent::onChange);
 *   agent.status().forEach(System.out::println);
 *   String text = agent.metrics();   // Prometheus text format
 * }
 * }</pre>
 */
public final class Agent implements AutoCloseable {
  /** Where one VM interface is. */
  public enum State {
    /** Desired; its tap does not exist yet (its filter elements are already in place). */
    PENDING,
    /** Its elements are in place and its tap is configured. */
    APPLIED,
    /** Configuring it failed; {@code reason} says why. The next full apply retries. */
    FAILED
  }

  /** One VM interface's state, and its drops per reason since its counters were created. */
  public record VmStatus(String vm, int interfaceNumber, String tap, State state, String reason, Map<String, Long> drops) {}

  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Netns ns;
  private final String host;
  private final Consumer<String> log;
  private final NftSession session;
  private final LinkEvents linkEvents;
  private final ScheduledExecutorService worker;
  private final Thread reader;
  private final TableGuard guard;
  private volatile boolean stop;

  // Owned by the worker thread.
  private volatile Inventory inventory;
  private Map<String, Port> portsByTap = Map.of();
  private final Map<String, LinkEvents.Link> links = new HashMap<>();
  private final Set<String> foreign = new HashSet<>();
  private final Map<String, VmStatus> states = new ConcurrentHashMap<>();
  /** Taps whose link appeared, to configure in the next flush, with when their event was read. */
  private final Map<String, Long> toConfigure = new LinkedHashMap<>();

  private final Histogram tapLatency = new Histogram("netfence_tap_configure_seconds",
      "From a tap's link event to its tap configured.");
  private final Histogram changeLatency = new Histogram("netfence_change_apply_seconds",
      "From a desired-state change to its element changes and tap setups done.");
  private final Histogram fullApply = new Histogram("netfence_full_apply_seconds", "Full read-back applies.");
  private final LongAdder driverErrors = new LongAdder();
  private final LongAdder foreignAdded = new LongAdder();

  private Agent(Netns ns, String host, Inventory inventory, Consumer<String> log) {
    this.ns = ns;
    this.host = host;
    this.log = log;
    this.inventory = inventory;
    this.session = NftSession.open(ns, log);
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("netfence-agent").daemon().unstarted(r));
    // Listen before applying: a tap created during the apply is an event, not a gap.
    this.linkEvents = LinkEvents.open(ns);
    for (var l : linkEvents.existing()) links.put(l.name(), l);
    this.reader = Thread.ofPlatform().name("netfence-links").daemon().unstarted(this::readLinks);
    long own = session.committer().orElse(-2);
    this.guard = TableGuard.start(ns, () -> this.inventory, host, log, pid -> pid == own);
  }

  /**
   * Applies {@code host}'s policy from {@code inventory} in {@code ns} once, then
   * keeps it: link events, the table guard, and a full apply every {@code resync}.
   * Throws {@link ApplyException} when the first apply fails.
   */
  public static Agent start(Netns ns, String host, Inventory inventory, Duration resync, Consumer<String> log) {
    var a = new Agent(ns, host, inventory, log);
    try {
      a.submit(a::fullApply);
    } catch (RuntimeException e) {
      a.close();
      throw e;
    }
    a.reader.start();
    a.worker.scheduleWithFixedDelay(() -> {
      try {
        a.fullApply();
      } catch (RuntimeException e) {
        a.log.accept("netfence: periodic apply failed: " + e.getMessage());
      }
    }, resync.toMillis(), resync.toMillis(), TimeUnit.MILLISECONDS);
    return a;
  }

  // ---- desired-state changes ------------------------------------------------

  /** Applies one committed change; returns when it is applied (or has failed, which {@link #status} shows). */
  public void onChange(StateStore.Change change) {
    submit(() -> applyChange(change));
  }

  private void applyChange(StateStore.Change c) {
    long t0 = System.nanoTime();
    Inventory before = c.before();
    Inventory after = c.after();
    inventory = after;
    if (!before.networks().equals(after.networks()) || !before.host(host).equals(after.host(host))) {
      // Bridges, trusted ports, NAT, host services: table-wide, so the full apply.
      try {
        fullApply();
      } catch (ApplyException e) {
        // The ports are FAILED with the reason; the periodic apply retries.
        log.accept("netfence: applying revision " + c.revision() + " failed: " + e.getMessage());
      }
      changeLatency.observeNanos(System.nanoTime() - t0);
      return;
    }
    var old = ports(before);
    var now = ports(after);
    var byVm = new TreeMap<String, List<String>>();
    for (var key : union(old.keySet(), now.keySet())) {
      if (!Objects.equals(old.get(key), now.get(key))) byVm.computeIfAbsent(key.substring(0, key.lastIndexOf('/')), k -> new ArrayList<>()).add(key);
    }
    portsByTap = byTap(now.values());
    for (var e : byVm.entrySet()) {
      var tx = new ArrayList<NftCommand>();
      for (var key : e.getValue()) tx.addAll(VmUpdate.commands(Optional.ofNullable(old.get(key)), Optional.ofNullable(now.get(key))));
      var r = session.run(tx);
      for (var key : e.getValue()) {
        Port b = old.get(key);
        Port a = now.get(key);
        if (b != null && (a == null || !a.tap().equals(b.tap()))) states.remove(b.tap());
        if (b != null && links.containsKey(b.tap())) removeRoutes(b);
        if (a == null) continue;
        if (!r.ok()) {
          driverErrors.increment();
          fail(a, "nft: " + r.error().strip());
        } else {
          configure(List.of(a));
        }
      }
    }
    changeLatency.observeNanos(System.nanoTime() - t0);
  }

  private void removeRoutes(Port p) {
    var cmds = TapSetup.routesRemoved(p);
    if (cmds.isEmpty()) return;
    // A route already gone (the tap was re-created) is fine: -force goes on.
    ns.exec(List.of("ip", "-force", "-batch", "-"), String.join("\n", cmds) + "\n");
  }

  /** Configures the taps that appeared since the last flush, together; observes each one's latency from its event. */
  private void flushConfigure() {
    var ports = toConfigure.keySet().stream().map(portsByTap::get).filter(Objects::nonNull).toList();
    var applied = configure(ports);
    long now = System.nanoTime();
    for (var p : applied) tapLatency.observeNanos(now - toConfigure.get(p.tap()));
    toConfigure.clear();
  }

  /**
   * Configures the ports' taps that exist in one {@link TapSetup#runAll} and marks
   * them APPLIED or FAILED; the others are PENDING. Returns the ports now APPLIED.
   */
  private List<Port> configure(List<Port> ports) {
    var ready = new ArrayList<Port>();
    for (var p : ports) {
      if (links.containsKey(p.tap())) ready.add(p);
      else states.put(p.tap(), status(p, State.PENDING, "tap does not exist yet"));
    }
    var failed = TapSetup.runAll(ns, ready.stream().map(TapSetup::of).toList());
    var applied = new ArrayList<Port>();
    for (var p : ready) {
      if (failed.containsKey(p.tap())) {
        driverErrors.increment();
        fail(p, failed.get(p.tap()));
      } else {
        states.put(p.tap(), status(p, State.APPLIED, ""));
        applied.add(p);
      }
    }
    return applied;
  }

  private void fail(Port p, String reason) {
    states.put(p.tap(), status(p, State.FAILED, reason));
    log.accept("netfence: " + p.vm() + " (" + p.tap() + ") failed: " + reason);
  }

  private static VmStatus status(Port p, State s, String reason) {
    return new VmStatus(p.vm(), p.interfaceNumber(), p.tap(), s, reason, Map.of());
  }

  // ---- the full apply ---------------------------------------------------------

  private void fullApply() {
    long t0 = System.nanoTime();
    Inventory inv = inventory;
    var policy = policy(inv);
    portsByTap = byTap(policy.ports());
    try {
      HostApply.apply(ns, session, inv, host, false);
    } catch (ApplyException e) {
      driverErrors.increment();
      for (var p : policy.ports()) fail(p, "apply: " + e.getMessage());
      throw e;
    } finally {
      fullApply.observeNanos(System.nanoTime() - t0);
    }
    states.keySet().retainAll(portsByTap.keySet());
    for (var p : policy.ports()) {
      boolean exists = links.containsKey(p.tap());
      states.put(p.tap(), status(p, exists ? State.APPLIED : State.PENDING, exists ? "" : "tap does not exist yet"));
    }
    // The apply filled foreign_ports from the bridges as they were.
    foreign.clear();
    for (var l : links.values()) if (isForeign(l)) foreign.add(l.name());
  }

  // ---- link events ------------------------------------------------------------

  private void readLinks() {
    while (!stop) {
      List<LinkEvents.Link> got;
      try {
        got = linkEvents.next(Duration.ofMillis(250));
      } catch (RuntimeException e) {
        if (!stop) log.accept("netfence: reading link events failed: " + e.getMessage());
        return;
      }
      if (got.isEmpty()) continue;
      long seen = System.nanoTime();
      worker.execute(() -> {
        for (var l : got) onLink(l, seen);
      });
    }
  }

  private void onLink(LinkEvents.Link l, long seen) {
    if (l.overrun()) {
      log.accept("netfence: link events were lost; running a full apply");
      try {
        fullApply();
      } catch (RuntimeException e) {
        log.accept("netfence: apply after lost link events failed: " + e.getMessage());
      }
      return;
    }
    if (l.deleted()) links.remove(l.name());
    else links.put(l.name(), l);
    Port p = portsByTap.get(l.name());
    if (p != null) {
      var current = states.get(p.tap());
      if (l.deleted()) {
        states.put(p.tap(), status(p, State.PENDING, "tap does not exist"));
      } else if (current == null || current.state() != State.APPLIED) {
        // Only a tap that was not configured: our own setup's events (master, up) follow it.
        // The flush runs after the link events already queued, so taps that appear together
        // are configured together.
        if (toConfigure.isEmpty()) worker.execute(this::flushConfigure);
        toConfigure.putIfAbsent(p.tap(), seen);
      }
      return;
    }
    boolean wasForeign = foreign.contains(l.name());
    boolean isForeign = !l.deleted() && isForeign(l);
    if (isForeign && !wasForeign) {
      if (!SAFE_NAME.matcher(l.name()).matches()) {
        log.accept("netfence: a port with an unsafe name joined a guarded bridge; the next apply reports it");
        return;
      }
      var r = session.run(List.of(new NftCommand.AddElements(Family.BRIDGE, SetName.FOREIGN_PORTS, List.of(Nft.Element.of(NftPolicy.ifname(l.name()))))));
      if (r.ok()) {
        foreign.add(l.name());
        foreignAdded.increment();
        log.accept("netfence: port " + l.name() + " on " + l.master().orElse("?") + " is not in the inventory: in foreign_ports");
      } else {
        driverErrors.increment();
        log.accept("netfence: adding foreign port " + l.name() + " failed: " + r.error().strip());
      }
    } else if (!isForeign && wasForeign) {
      foreign.remove(l.name());
      session.run(List.of(new NftCommand.DeleteElements(Family.BRIDGE, SetName.FOREIGN_PORTS, List.of(Nft.Element.of(NftPolicy.ifname(l.name()))))));
    }
  }

  /** On a guarded bridge, neither a VM port nor a trusted port of it. */
  private boolean isForeign(LinkEvents.Link l) {
    if (l.master().isEmpty()) return false;
    for (var b : policy(inventory).bridges()) {
      if (!b.name().equals(l.master().get())) continue;
      BridgedNetwork net = b.network();
      return !net.trustedPorts().contains(l.name()) && b.ports().stream().noneMatch(p -> p.tap().equals(l.name()));
    }
    return false;
  }

  // ---- reading ------------------------------------------------------------------

  /** Every VM interface of the host: state, reason, drops per reason; by VM, then interface. */
  public List<VmStatus> status() {
    var drops = vmDrops();
    return states.values().stream()
        .map(s -> new VmStatus(s.vm(), s.interfaceNumber(), s.tap(), s.state(), s.reason(), drops.getOrDefault(s.tap(), Map.of())))
        .sorted(Comparator.comparing(VmStatus::vm).thenComparing(VmStatus::interfaceNumber))
        .toList();
  }

  /** One tap's state, without reading counters; empty when no VM of this host has that tap. */
  public Optional<State> state(String tap) {
    return Optional.ofNullable(states.get(tap)).map(VmStatus::state);
  }

  /** The agent's metrics in the Prometheus text format (version 0.0.4). */
  public String metrics() {
    var b = new StringBuilder();
    b.append("# HELP netfence_drops_total Packets dropped by netfence, per table family and reason.\n");
    b.append("# TYPE netfence_drops_total counter\n");
    var counters = counters();
    for (var c : counters) {
      if (c.vmTap().isEmpty()) {
        b.append("netfence_drops_total{family=\"").append(c.family()).append("\",reason=\"").append(c.reason()).append("\"} ")
            .append(c.packets()).append('\n');
      }
    }
    b.append("# HELP netfence_vm_drops_total Packets dropped by netfence, per VM interface and reason.\n");
    b.append("# TYPE netfence_vm_drops_total counter\n");
    var byTap = new HashMap<String, VmStatus>();
    states.values().forEach(s -> byTap.put(s.tap(), s));
    for (var c : counters) {
      if (c.vmTap().isEmpty()) continue;
      var s = byTap.get(c.vmTap().get());
      b.append("netfence_vm_drops_total{vm=\"").append(s == null ? "" : s.vm()).append("\",tap=\"").append(c.vmTap().get())
          .append("\",reason=\"").append(c.reason()).append("\"} ").append(c.packets()).append('\n');
    }
    b.append("# HELP netfence_vm_interfaces VM interfaces of this host per state.\n");
    b.append("# TYPE netfence_vm_interfaces gauge\n");
    for (var st : State.values()) {
      b.append("netfence_vm_interfaces{state=\"").append(st.name().toLowerCase(java.util.Locale.ROOT)).append("\"} ")
          .append(states.values().stream().filter(s -> s.state() == st).count()).append('\n');
    }
    b.append("# HELP netfence_driver_errors_total Failed nft transactions, ip batches and sysctl writes.\n");
    b.append("# TYPE netfence_driver_errors_total counter\n");
    b.append("netfence_driver_errors_total ").append(driverErrors.sum()).append('\n');
    b.append("# HELP netfence_foreign_ports_added_total Ports not in the inventory put into foreign_ports on their link event.\n");
    b.append("# TYPE netfence_foreign_ports_added_total counter\n");
    b.append("netfence_foreign_ports_added_total ").append(foreignAdded.sum()).append('\n');
    b.append("# HELP netfence_guard_restores_total Times the table guard restored netfence's tables.\n");
    b.append("# TYPE netfence_guard_restores_total counter\n");
    b.append("netfence_guard_restores_total ").append(guard.restores()).append('\n');
    tapLatency.write(b);
    changeLatency.write(b);
    fullApply.write(b);
    return b.toString();
  }

  /** How many taps were configured on their link event (for tests and logs). */
  long tapsConfiguredOnEvent() {
    return tapLatency.count();
  }

  /** A drop count of netfence's tables: a reason, and the tap for per-VM counts. */
  record Counter(String family, String reason, Optional<String> vmTap, long packets) {}

  /** The reason counters, then the elements of the counted sets of each table that has them. */
  private List<Counter> counters() {
    var out = new ArrayList<Counter>();
    var families = new java.util.LinkedHashSet<Family>();
    for (JsonNode c : list("list counters", "counter")) {
      if (!c.path("table").asText().equals(Nft.TABLE)) continue;
      families.add(Family.of(c.path("family").asText()));
      out.add(new Counter(c.path("family").asText(), c.path("name").asText(), Optional.empty(), c.path("packets").asLong()));
    }
    for (Family family : families) {
      for (var reason : NftPolicy.vmReasons(family)) {
        for (JsonNode set : list("list set " + family.nft() + " " + Nft.TABLE + " " + SetName.counted(reason).id(), "set")) {
          for (JsonNode e : set.path("elem")) {
            JsonNode elem = e.path("elem");
            out.add(new Counter(family.nft(), reason.id(), Optional.of(elem.path("val").asText()), elem.path("counter").path("packets").asLong()));
          }
        }
      }
    }
    return out;
  }

  /** The {@code kind} objects of an nft listing; none, counted as a driver error, when it fails. */
  private List<JsonNode> list(String command, String kind) {
    var r = session.json(command);
    var out = new ArrayList<JsonNode>();
    try {
      if (!r.ok()) throw new java.io.IOException(r.error());
      for (JsonNode n : JSON.readTree(r.output()).path("nftables")) if (n.has(kind)) out.add(n.get(kind));
    } catch (java.io.IOException e) {
      driverErrors.increment();
    }
    return out;
  }

  private Map<String, Map<String, Long>> vmDrops() {
    var m = new HashMap<String, Map<String, Long>>();
    for (var c : counters()) {
      c.vmTap().ifPresent(t -> m.computeIfAbsent(t, k -> new TreeMap<>()).merge(c.reason(), c.packets(), Long::sum));
    }
    return m;
  }

  // ---- plumbing -------------------------------------------------------------------

  private HostPolicy policy(Inventory inv) {
    return inv.host(host).isPresent() ? HostPolicy.of(inv, host) : new HostPolicy(new netfence.model.Host(host, Optional.empty()), List.of(), List.of());
  }

  /** The host's ports by "vm/interface". */
  private Map<String, Port> ports(Inventory inv) {
    var m = new LinkedHashMap<String, Port>();
    for (var p : policy(inv).ports()) m.put(p.vm() + "/" + p.interfaceNumber(), p);
    return m;
  }

  private static Map<String, Port> byTap(java.util.Collection<Port> ports) {
    var m = new HashMap<String, Port>();
    for (var p : ports) m.put(p.tap(), p);
    return m;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    var u = new java.util.TreeSet<String>(a);
    u.addAll(b);
    return u;
  }

  private void submit(Runnable r) {
    Future<?> f = worker.submit(r);
    try {
      f.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  @Override
  public void close() {
    stop = true;
    try {
      reader.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    guard.close();
    worker.shutdown();
    try {
      worker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    linkEvents.close();
    session.close();
  }
}
