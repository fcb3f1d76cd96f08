package netfence.agent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import netfence.agent.Transition.Action;
import netfence.agent.Transition.Phase;
import netfence.dataplane.ApplyException;
import netfence.dataplane.Driver;
import netfence.dataplane.LinkEvents;
import netfence.dataplane.Netns;
import netfence.dataplane.TableGuard;
import netfence.model.Host;
import netfence.model.Inventory;
import netfence.model.Network;
import netfence.model.Vm;
import netfence.policy.HostPolicy;
import netfence.policy.Port;
import netfence.state.Change;
import netfence.state.View;

/**
 * {@code netfence serve}'s data-plane half for one host: ONOS's agent, a
 * reconciler driving the kernel through a {@link Driver}.
 *
 * <ul>
 *   <li>Inputs: changes of the desired state ({@link #onChange}, from the state service),
 *       link events (rtnetlink), signals of the {@link TableGuard} (someone else committed
 *       to nftables, or events were lost), a short periodic check, and a periodic full sync.
 *   <li>One thread takes whatever inputs have queued, feeds them to the {@link Reconciler}
 *       (kernel-free; every decision comes from {@link Transition}'s table), and carries out
 *       the actions it asks for: all element changes in one nft transaction, the taps that
 *       appeared in one {@code ip -batch}. Results go back to the reconciler.
 *   <li>It is the only writer of the kernel: the guard only signals. A signal or the periodic
 *       check looks at netfence's tables cheaply ({@link Driver#check}); when they are missing
 *       or changed, every interface is unconfirmed and a full sync (read back, restore) runs.
 *   <li>States come from what the kernel acknowledged: an interface is {@code applied} only
 *       once its element transaction committed (or a sync read it back) and its tap was set up.
 * </ul>
 *
 * <pre>{@code
 * state.subscribe(Optional.of("hv1"), view -> agent = Agent.start(Netns.current(), "hv1", view, Options.DEFAULT, log),
 *     change -> agent.onChange(change));
 * agent.awaitApplied(revision, Duration.ofSeconds(5));
 * agent.status().forEach(System.out::println);
 * }</pre>
 */
public final class Agent implements AutoCloseable {
  /** Where one VM interface is, as status and the API show it. */
  public enum State {
    /** Its filter is in the kernel; its tap does not exist yet. */
    PENDING,
    /** Its filter is being installed or its tap configured; not yet acknowledged. */
    SYNCING,
    /** Its filter is in the kernel and its tap is configured. */
    APPLIED,
    /** Something failed; {@code reason} says what. A full sync retries. */
    FAILED
  }

  /** One VM interface's state, and its drops per reason since its counters were created. */
  public record VmStatus(String vm, int interfaceNumber, String tap, State state, String reason, Map<String, Long> drops) {}

  /** How often the agent looks at its tables, syncs fully, and reads drop counters. */
  public record Options(Duration check, Duration resync, Duration counters) {
    public static final Options DEFAULT = new Options(Duration.ofSeconds(1), Duration.ofSeconds(600), Duration.ofSeconds(5));

    public Options withResync(Duration d) {
      return new Options(check, d, counters);
    }
  }

  /** What the agent's thread takes from its queue. */
  private sealed interface Input {
    record Desired(Change change, long at) implements Input {}

    record Links(List<LinkEvents.Link> links, boolean all, long at) implements Input {}

    record Signal(TableGuard.Signal signal) implements Input {}

    record Check() implements Input {}

    record Resync() implements Input {}

    record Stop() implements Input {}
  }

  private final Netns ns;
  private final String host;
  private final Options options;
  private final Consumer<String> log;
  private final Driver driver;
  private final Reconciler reconciler = new Reconciler();
  private final LinkedBlockingQueue<Input> inputs = new LinkedBlockingQueue<>();
  private final ScheduledExecutorService timers;
  private final Thread loop;
  private final Thread linkReader;
  private final LinkEvents linkEvents;
  private final TableGuard guard;
  private final DropCounts drops;
  private final AgentMetrics metrics;
  private volatile boolean stop;

  // The desired state of this host, owned by the loop thread.
  private final Map<String, Host> hosts = new HashMap<>();
  private final Map<String, Network> networks = new HashMap<>();
  private final Map<String, Vm> vms = new HashMap<>();

  /** What status shows, by key ("vm/number"); written by the loop thread. */
  private final Map<String, VmStatus> status = new ConcurrentHashMap<>();
  /** When each tap's link event was read, for the tap-configure latency. */
  private final Map<String, Long> linkSeen = new HashMap<>();
  private final Object appliedLock = new Object();
  private long appliedRevision;
  private volatile long lastSyncMillis;
  private long syncBackoffMillis;
  private long nextSyncAllowed;

  private Agent(Netns ns, String host, View view, Options options, Consumer<String> log) {
    this.ns = ns;
    this.host = host;
    this.options = options;
    this.log = log;
    this.hosts.putAll(view.hosts());
    this.networks.putAll(view.networks());
    view.vms().values().stream().filter(v -> v.host().equals(host)).forEach(v -> vms.put(v.name(), v));
    this.driver = Driver.kernel(ns, log);
    // Listen before the first sync: a tap created meanwhile is an event, not a gap.
    this.linkEvents = LinkEvents.open(ns);
    var ours = driver.committers();
    this.guard = TableGuard.start(ns, ours::contains, s -> inputs.add(new Input.Signal(s)));
    this.drops = new DropCounts(ns, options.counters(), log);
    this.metrics = new AgentMetrics(drops::last, status::values, this::appliedRevision, this::inSync, () -> lastSyncMillis);
    this.timers = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("netfence-timers").daemon().unstarted(r));
    this.loop = Thread.ofPlatform().name("netfence-agent").daemon().unstarted(this::run);
    this.linkReader = Thread.ofPlatform().name("netfence-links").daemon().unstarted(this::readLinks);
  }

  /**
   * Starts enforcing {@code host}'s part of {@code view} in {@code ns}: one full sync (read back,
   * then only what differs is changed), then it follows changes, links and the guard.
   *
   * @throws ApplyException when the first sync fails
   */
  public static Agent start(Netns ns, String host, View view, Options options, Consumer<String> log) {
    var a = new Agent(ns, host, view, options, log);
    try {
      a.reconciler.links(a.linkEvents.existing());
      for (var e : a.portsByKey().entrySet()) a.reconciler.adopt(e.getKey(), e.getValue());
      a.trustedPorts();
      a.reconciler.plan(); // adopting asks for a sync and nothing else: run it now, and fail the start if it fails
      a.sync();
      var failed = a.reconciler.states().values().stream().filter(s -> s.phase() == Phase.FAILED).findFirst();
      if (failed.isPresent()) throw new ApplyException(failed.get().reason());
      a.publish();
    } catch (RuntimeException e) {
      a.closeParts();
      throw e;
    }
    a.applied(view.revision());
    a.loop.start();
    a.linkReader.start();
    a.timers.scheduleWithFixedDelay(() -> a.inputs.add(new Input.Check()), options.check().toMillis(), options.check().toMillis(),
        TimeUnit.MILLISECONDS);
    a.timers.scheduleWithFixedDelay(() -> a.inputs.add(new Input.Resync()), options.resync().toMillis(), options.resync().toMillis(),
        TimeUnit.MILLISECONDS);
    return a;
  }

  /** The same with the default periods and a full sync every {@code resync}. */
  public static Agent start(Netns ns, String host, View view, Duration resync, Consumer<String> log) {
    return start(ns, host, view, Options.DEFAULT.withResync(resync), log);
  }

  // ---- inputs ---------------------------------------------------------------------------------

  /** Queues a committed change of the desired state; {@link #awaitApplied} says when it is acted on. */
  public void onChange(Change change) {
    inputs.add(new Input.Desired(change, System.nanoTime()));
  }

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
      if (got.stream().anyMatch(LinkEvents.Link::overrun)) {
        // Events were lost: look at every link again.
        log.accept("netfence: link events were lost; reading every link again");
        try (var fresh = LinkEvents.open(ns)) {
          inputs.add(new Input.Links(fresh.existing(), true, System.nanoTime()));
        } catch (RuntimeException e) {
          log.accept("netfence: reading the links failed: " + e.getMessage());
        }
        continue;
      }
      inputs.add(new Input.Links(got, false, System.nanoTime()));
    }
  }

  // ---- the loop ---------------------------------------------------------------------------------

  private void run() {
    while (true) {
      var batch = new ArrayList<Input>();
      try {
        batch.add(inputs.take());
      } catch (InterruptedException e) {
        return;
      }
      inputs.drainTo(batch);
      if (batch.stream().anyMatch(i -> i instanceof Input.Stop)) return;
      try {
        handle(batch);
      } catch (RuntimeException e) {
        // A bug must not stop enforcement: say it, and let a full sync put things right.
        log.accept("netfence: the agent failed handling " + batch.size() + " input(s): " + e);
        metrics.driverErrors.labelValues("agent").inc();
        reconciler.requestSync();
        try {
          execute();
        } catch (RuntimeException again) {
          log.accept("netfence: the recovery sync failed too: " + again);
        }
      }
    }
  }

  private void handle(List<Input> batch) {
    long revision = -1;
    var changesAt = new ArrayList<Long>();
    boolean check = false;
    boolean restoring = false;
    for (Input in : batch) {
      switch (in) {
        case Input.Desired d -> {
          desired(d.change());
          revision = Math.max(revision, d.change().revision());
          changesAt.add(d.at());
        }
        case Input.Links l -> {
          if (l.all()) reconciler.links(l.links());
          else for (var link : l.links()) reconciler.link(link);
          for (var link : l.links()) if (!link.deleted()) linkSeen.putIfAbsent(link.name(), l.at());
        }
        case Input.Signal s -> {
          metrics.guardSignals.inc();
          if (s.signal().touched()) {
            // Someone changed netfence's tables, or events were lost: what the kernel holds is unknown.
            log.accept("netfence: " + s.signal() + (s.signal().lost() ? "" : " touching netfence's tables") + "; restoring");
            metrics.guardRestores.inc();
            reconciler.unconfirmAll(s.signal() + "; restoring");
            restoring = true;
          }
        }
        case Input.Check c -> check = true;
        case Input.Resync r -> reconciler.requestSync();
        case Input.Stop s -> { }
      }
    }
    if (check && !restoring) {
      var problem = driver.check();
      if (problem.isPresent()) {
        log.accept("netfence: " + problem.get() + "; restoring");
        metrics.guardRestores.inc();
        reconciler.unconfirmAll(problem.get() + "; restoring");
      }
    }
    execute();
    long done = System.nanoTime();
    for (long at : changesAt) AgentMetrics.observeNanos(metrics.changeApply, done - at);
    publish();
    if (revision >= 0) applied(revision);
  }

  /** Takes one change of the desired state into the maps and the reconciler. */
  private void desired(Change c) {
    boolean tableWide = false;
    var before = new LinkedHashMap<String, Port>();
    var after = new LinkedHashMap<String, Port>();
    for (var d : c.deltas()) {
      switch (d) {
        case Change.HostDelta h -> {
          h.after().ifPresentOrElse(x -> hosts.put(h.name(), x), () -> hosts.remove(h.name()));
          tableWide |= h.name().equals(host);
        }
        case Change.NetworkDelta n -> {
          n.after().ifPresentOrElse(x -> networks.put(n.name(), x), () -> networks.remove(n.name()));
          tableWide = true;
        }
        case Change.VmDelta v -> {
          Vm old = vms.get(v.name());
          if (old != null) before.putAll(ports(old));
          v.after().filter(x -> x.host().equals(host)).ifPresentOrElse(x -> vms.put(v.name(), x), () -> vms.remove(v.name()));
          v.after().filter(x -> x.host().equals(host)).ifPresent(x -> after.putAll(ports(x)));
        }
      }
    }
    if (tableWide) {
      // Bridges, trusted ports, NAT, host services: every port may be different, and the tables too.
      var all = portsByKey();
      for (var key : new ArrayList<>(reconciler.states().keySet())) if (!all.containsKey(key)) reconciler.desired(key, Optional.empty());
      all.forEach((key, p) -> reconciler.desired(key, Optional.of(p)));
      trustedPorts();
      reconciler.requestSync();
      return;
    }
    for (String key : before.keySet()) if (!after.containsKey(key)) reconciler.desired(key, Optional.empty());
    after.forEach((key, p) -> reconciler.desired(key, Optional.of(p)));
  }

  /** The trusted ports of every guarded bridge, as the networks now have them. */
  private final Map<String, List<String>> trusted = new HashMap<>();

  private void trustedPorts() {
    var now = new HashMap<String, List<String>>();
    for (var p : policy().bridges()) now.put(p.name(), p.network().trustedPorts());
    var bridges = new java.util.HashSet<>(trusted.keySet());
    bridges.addAll(now.keySet());
    for (String b : bridges) reconciler.trusted(b, trusted.getOrDefault(b, List.of()), now.getOrDefault(b, List.of()));
    trusted.clear();
    trusted.putAll(now);
  }

  /** Carries out what the reconciler asks for, feeding results back, until it asks for nothing more. */
  private void execute() {
    for (var plan = reconciler.plan(); !plan.isEmpty(); plan = reconciler.plan()) {
      var elements = new ArrayList<Reconciler.Keyed>();
      var routes = new ArrayList<Port>();
      var setups = new ArrayList<Reconciler.Keyed>();
      for (var k : plan.actions()) {
        switch (k.action()) {
          case Action.Elements e -> elements.add(k);
          case Action.RemoveRoutes r -> routes.add(r.port());
          case Action.Setup s -> setups.add(k);
        }
      }
      if (!elements.isEmpty()) {
        var changes = elements.stream().map(k -> (Action.Elements) k.action()).map(e -> new Driver.ElementChange(e.from(), e.to())).toList();
        var results = driver.elements(changes);
        for (int i = 0; i < elements.size(); i++) {
          var r = results.get(i);
          if (r.isPresent()) {
            metrics.driverErrors.labelValues("nft").inc();
            log.accept("netfence: element changes of " + elements.get(i).key() + " failed: " + r.get());
          }
          reconciler.elementsDone(elements.get(i).key(), r.isEmpty(), r.orElse(""));
        }
      }
      if (!routes.isEmpty()) driver.removeRoutes(routes);
      if (!setups.isEmpty()) {
        var ports = setups.stream().map(k -> ((Action.Setup) k.action()).port()).toList();
        var failed = driver.configure(ports);
        long now = System.nanoTime();
        for (var k : setups) {
          Port p = ((Action.Setup) k.action()).port();
          String why = failed.get(p.tap());
          if (why != null) {
            metrics.driverErrors.labelValues("ip").inc();
            log.accept("netfence: " + p.vm() + " (" + p.tap() + ") failed: " + why);
          } else {
            Long seen = linkSeen.remove(p.tap());
            if (seen != null) AgentMetrics.observeNanos(metrics.tapConfigure, now - seen);
          }
          reconciler.setupDone(k.key(), why == null, why == null ? "" : why);
        }
      }
      if (!plan.foreignAdd().isEmpty() || !plan.foreignRemove().isEmpty()) {
        var r = driver.foreign(plan.foreignAdd(), plan.foreignRemove());
        if (r.isPresent()) {
          metrics.driverErrors.labelValues("nft").inc();
          log.accept("netfence: foreign_ports could not be updated (" + r.get() + "); a full sync follows");
          reconciler.requestSync();
        } else {
          metrics.foreignAdded.inc(plan.foreignAdd().size());
          plan.foreignAdd().forEach(p -> log.accept("netfence: port " + p + " on a guarded bridge is not in the inventory: in foreign_ports"));
        }
      }
      if (plan.sync()) sync();
    }
  }

  /** A full read-back sync, at most as often as its back-off allows after failures. */
  private void sync() {
    long nowMillis = System.currentTimeMillis();
    if (nowMillis < nextSyncAllowed) {
      long wait = nextSyncAllowed - nowMillis;
      timers.schedule(() -> inputs.add(new Input.Resync()), wait, TimeUnit.MILLISECONDS);
      return;
    }
    long t0 = System.nanoTime();
    try {
      // Tables gone (a flushed ruleset): put them back closed at once, without reading back what is not there.
      var problem = driver.check();
      var synced = problem.isPresent() && Driver.missing(problem.get()) ? driver.restore(desiredInventory(), host)
          : driver.sync(desiredInventory(), host);
      reconciler.foreignSynced(synced.foreignPorts());
      reconciler.confirmAll();
      lastSyncMillis = System.currentTimeMillis();
      syncBackoffMillis = 0;
      if (synced.report().changed() && lastSyncMillis > 0) {
        log.accept("netfence: full sync changed " + synced.report().changes().size() + " thing(s)");
      }
    } catch (ApplyException e) {
      metrics.driverErrors.labelValues("sync").inc();
      log.accept("netfence: full sync failed: " + e.getMessage());
      reconciler.syncFailed(e.getMessage());
      syncBackoffMillis = syncBackoffMillis == 0 ? 1000 : Math.min(60_000, syncBackoffMillis * 2);
      nextSyncAllowed = System.currentTimeMillis() + syncBackoffMillis;
      timers.schedule(() -> inputs.add(new Input.Resync()), syncBackoffMillis, TimeUnit.MILLISECONDS);
    } finally {
      AgentMetrics.observeNanos(metrics.fullSync, System.nanoTime() - t0);
    }
  }

  // ---- the desired state ----------------------------------------------------------------------------

  /** This host's desired state as an inventory: its VMs, every host and network. */
  private Inventory desiredInventory() {
    return new Inventory(new java.util.TreeMap<>(hosts).values().stream().toList(), new java.util.TreeMap<>(networks).values().stream().toList(),
        new java.util.TreeMap<>(vms).values().stream().toList());
  }

  private HostPolicy policy() {
    var inv = desiredInventory();
    return inv.host(host).isPresent() ? HostPolicy.of(inv, host) : new HostPolicy(new Host(host, Optional.empty()), List.of(), List.of());
  }

  /** Every port of this host, by key. */
  private Map<String, Port> portsByKey() {
    var m = new LinkedHashMap<String, Port>();
    for (var p : policy().ports()) m.put(key(p), p);
    return m;
  }

  /** One VM's ports, by key. */
  private Map<String, Port> ports(Vm vm) {
    var m = new LinkedHashMap<String, Port>();
    for (var p : HostPolicy.ports(vm, networks)) m.put(key(p), p);
    return m;
  }

  private static String key(Port p) {
    return p.vm() + "/" + p.interfaceNumber();
  }

  // ---- what others read ---------------------------------------------------------------------------

  /** Copies the reconciler's changed states into the status map. */
  private void publish() {
    reconciler.changed((key, s) -> {
      if (s.isEmpty() || s.get().phase() == Phase.REMOVING || s.get().desired().isEmpty()) {
        status.remove(key);
        return;
      }
      Port p = s.get().desired().get();
      var st = switch (s.get().phase()) {
        case FILTERED -> State.PENDING;
        case APPLIED -> State.APPLIED;
        case FAILED -> State.FAILED;
        case WANTED, CONFIGURING, REMOVING, GONE -> State.SYNCING;
      };
      String reason = switch (s.get().phase()) {
        case FILTERED -> "tap does not exist yet";
        case WANTED -> s.get().reason().isEmpty() ? "installing its filter" : s.get().reason();
        case CONFIGURING -> "configuring its tap";
        default -> s.get().reason();
      };
      status.put(key, new VmStatus(p.vm(), p.interfaceNumber(), p.tap(), st, reason, Map.of()));
    });
  }

  private boolean inSync() {
    return status.values().stream().allMatch(s -> s.state() == State.APPLIED || s.state() == State.PENDING);
  }

  /** Every VM interface of the host: state, reason, drops per reason; by VM, then interface. */
  public List<VmStatus> status() {
    var byTap = drops.last().byTap();
    return status.values().stream()
        .map(s -> new VmStatus(s.vm(), s.interfaceNumber(), s.tap(), s.state(), s.reason(), byTap.getOrDefault(s.tap(), Map.of())))
        .sorted(Comparator.comparing(VmStatus::vm).thenComparing(VmStatus::interfaceNumber))
        .toList();
  }

  /** The interfaces of one VM. */
  public List<VmStatus> status(String vm) {
    return status().stream().filter(s -> s.vm().equals(vm)).toList();
  }

  /** One tap's state, without reading counters; empty when no VM of this host has that tap. */
  public Optional<State> state(String tap) {
    return status.values().stream().filter(s -> s.tap().equals(tap)).findFirst().map(VmStatus::state);
  }

  /** The agent's metrics in the Prometheus text format (version 0.0.4). */
  public String metrics() {
    return metrics.text();
  }

  /** Reads the drop counters now rather than waiting for the next period (tests; after an event one must see). */
  public void refreshCounters() {
    drops.readNow();
  }

  /** How many taps were configured on their link event (for tests and logs). */
  long tapsConfiguredOnEvent() {
    return (long) metrics.tapConfigure.collect().getDataPoints().getFirst().getCount();
  }

  private void applied(long revision) {
    synchronized (appliedLock) {
      appliedRevision = Math.max(appliedRevision, revision);
      appliedLock.notifyAll();
    }
  }

  /** The last revision acted on: its changes are in the kernel, or their interfaces show why not. */
  public long appliedRevision() {
    synchronized (appliedLock) {
      return appliedRevision;
    }
  }

  /** Waits until revision {@code revision} has been acted on; false when {@code timeout} passed first. */
  public boolean awaitApplied(long revision, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    synchronized (appliedLock) {
      while (appliedRevision < revision) {
        long left = end - System.nanoTime();
        if (left <= 0) return false;
        TimeUnit.NANOSECONDS.timedWait(appliedLock, left);
      }
      return true;
    }
  }

  @Override
  public void close() {
    stop = true;
    inputs.add(new Input.Stop());
    try {
      loop.join(10_000);
      linkReader.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeParts();
  }

  private void closeParts() {
    stop = true;
    timers.shutdownNow();
    guard.close();
    drops.close();
    linkEvents.close();
    driver.close();
  }
}
