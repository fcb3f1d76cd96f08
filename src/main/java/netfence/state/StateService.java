package netfence.state;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import netfence.inventory.Bodies;
import netfence.inventory.Diagnostic;
import netfence.inventory.InventoryReader;
import netfence.inventory.InventoryReader.Fragment;
import netfence.inventory.Pos;
import netfence.inventory.VmReader;
import netfence.model.Inventory;
import netfence.model.Vm;
import netfence.state.Change.Delta;
import netfence.state.Change.HostDelta;
import netfence.state.Change.NetworkDelta;
import netfence.state.Change.VmDelta;
import netfence.store.Kind;
import netfence.store.Store;

/**
 * The desired state, kept true and published: ONOS's state service over a
 * thin {@link Store}.
 *
 * <ul>
 *   <li>One thread, the sequencer, validates and commits. A VM change is validated
 *       against in-memory indexes ({@link netfence.inventory.Claims}): its cost does
 *       not depend on how many VMs there are. The messages and positions are those of
 *       {@code netfence check}, in the request ({@code request:LINE:COL}). A host or
 *       network change re-validates the whole state, as it may change every VM on it.
 *   <li>Requests that queue while a commit runs are validated one after the other and
 *       committed together: one revision, one fsync. A request is acknowledged only
 *       once its commit is durable.
 *   <li>After the commit, outside any lock, each subscriber gets the {@link Change} on
 *       its own thread: a slow subscriber (the agent waiting for the kernel) never holds
 *       up a writer.
 * </ul>
 *
 * <pre>{@code
 * try (var store = SqliteStore.open(dir); var state = StateService.open(store, System.err::println)) {
 *   state.subscribe(Optional.of("hv1"), view -> agent.start(view), agent::onChange);
 *   Result r = state.submit(new Mutation.Put(Kind.VMS, "web", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br100\"}]}")).join();
 *   r.errors().forEach(System.err::println);   // request:1:10: error: ...
 * }
 * }</pre>
 */
public final class StateService implements AutoCloseable {
  /** The largest body of one object: more than any legitimate VM needs (thousands of addresses). */
  public static final int MAX_BODY = 256 * 1024;

  /** The source name of a request body in diagnostics. */
  public static final String REQUEST = "request";

  /** At most this many requests go into one commit. */
  static final int MAX_BATCH = 512;

  /** At most this many diagnostics are returned for one request; the last says how many more there were. */
  static final int MAX_ERRORS = 100;

  private final Store store;
  private final Consumer<String> log;
  private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
  private final Thread sequencer;
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  /** Committed bodies by kind and name: what readers see. Written by the sequencer after each commit. */
  private final Map<Kind, ConcurrentSkipListMap<String, String>> bodies = new EnumMap<>(Kind.class);
  private volatile long revision;
  private volatile boolean closed;
  private final LongAdder commits = new LongAdder();
  private final LongAdder committed = new LongAdder();
  private final LongAdder rejected = new LongAdder();

  /** Owned by the sequencer. */
  private Model model;

  private StateService(Store store, Consumer<String> log, Model model, Store.Snapshot snapshot) {
    this.store = store;
    this.log = log;
    this.model = model;
    this.revision = snapshot.revision();
    for (Kind k : Kind.values()) bodies.put(k, new ConcurrentSkipListMap<>());
    for (var row : snapshot.rows()) bodies.get(row.kind()).put(row.name(), row.body());
    this.sequencer = Thread.ofPlatform().name("netfence-state").daemon().unstarted(this::run);
  }

  /**
   * Loads and validates what {@code store} holds, and starts the sequencer.
   *
   * @throws IllegalStateException when the stored objects are not a valid inventory, with every diagnostic
   */
  public static StateService open(Store store, Consumer<String> log) {
    var snap = store.read();
    var fragments = new ArrayList<Fragment>();
    for (var row : snap.rows()) fragments.add(new Fragment(row.kind().key(), row.name(), "store:" + row.kind().key() + "/" + row.name(), row.body()));
    var result = InventoryReader.fromFragments(fragments);
    if (!result.ok()) {
      var msg = new StringBuilder(store.describe() + ": the stored inventory is invalid; refusing to start:");
      result.diagnostics().forEach(d -> msg.append("\n  ").append(d));
      throw new IllegalStateException(msg.toString());
    }
    var service = new StateService(store, log, Model.of(result.inventory().orElseThrow()), snap);
    service.sequencer.start();
    return service;
  }

  // ---- reading ------------------------------------------------------------------------

  /** The revision of the last commit. */
  public long revision() {
    return revision;
  }

  /** The stored body of one object (canonical JSON). */
  public Optional<String> get(Kind kind, String name) {
    return Optional.ofNullable(bodies.get(kind).get(name));
  }

  /** How many objects of a kind there are. */
  public int count(Kind kind) {
    return bodies.get(kind).size();
  }

  /** One page of a kind's objects, by name: those after {@code after} (all when empty), at most {@code limit}. */
  public Map<String, String> list(Kind kind, Optional<String> after, int limit) {
    var m = bodies.get(kind);
    var tail = after.isEmpty() ? m : m.tailMap(after.get(), false);
    var page = new LinkedHashMap<String, String>();
    for (var e : tail.entrySet()) {
      if (page.size() >= limit) break;
      page.put(e.getKey(), e.getValue());
    }
    return page;
  }

  /** The whole desired state as a model, at one revision. Costs a copy of it: for exports and tests. */
  public Inventory inventory() {
    return onSequencer(() -> model.inventory()).join();
  }

  /**
   * The changes of the revisions after {@code after}, from the store, oldest first; empty when
   * they are compacted away (the reader must start again from a full listing).
   */
  public Optional<List<Store.Event>> since(long after, int limit) {
    return store.since(after, limit);
  }

  /**
   * Follows the change feed: {@code sink} gets the changes of every revision after {@code after}
   * (first those the store still has, then each new commit), one revision per call, in order,
   * on a thread of its own, until the returned handle is closed.
   *
   * @throws netfence.store.Store.StoreException when the changes after {@code after} are compacted away
   */
  public AutoCloseable feed(long after, Consumer<List<Store.Event>> sink) {
    var thread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("netfence-feed").daemon().unstarted(r));
    AutoCloseable watch;
    try {
      // The store calls back on the committing thread: hand over, never block it.
      watch = store.watch(after, events -> thread.execute(() -> sink.accept(events)));
    } catch (RuntimeException e) {
      thread.shutdown();
      throw e;
    }
    return () -> {
      watch.close();
      thread.shutdownNow();
    };
  }

  /** Counts for metrics: commits (fsyncs), changes committed, changes rejected. */
  public record Counts(long commits, long committed, long rejected) {}

  public Counts counts() {
    return new Counts(commits.sum(), committed.sum(), rejected.sum());
  }

  // ---- subscribing ----------------------------------------------------------------------

  /**
   * Subscribes: {@code start} gets the state at one revision (the VMs of {@code host} only,
   * when one is named), then {@code listener} gets every change after it, in order. Both run
   * on the subscriber's own thread; an exception in them is logged and changes nothing.
   */
  public AutoCloseable subscribe(Optional<String> host, Consumer<View> start, Consumer<Change> listener) {
    var sub = new Subscriber(host, listener);
    onSequencer(() -> {
      var vms = new HashMap<String, Vm>();
      for (Vm v : model.vms.values()) if (host.isEmpty() || v.host().equals(host.get())) vms.put(v.name(), v);
      var view = new View(revision, model.hosts, model.networks, vms);
      sub.run(() -> start.accept(view));
      subscribers.add(sub);
      return null;
    }).join();
    return () -> {
      subscribers.remove(sub);
      sub.close();
    };
  }

  /** A subscriber: its filter and the thread its calls run on, in order. */
  private final class Subscriber {
    final Optional<String> host;
    final Consumer<Change> listener;
    final ExecutorService thread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("netfence-subscriber").daemon().unstarted(r));

    Subscriber(Optional<String> host, Consumer<Change> listener) {
      this.host = host;
      this.listener = listener;
    }

    void run(Runnable r) {
      thread.execute(() -> {
        try {
          r.run();
        } catch (RuntimeException e) {
          log.accept("netfence: a subscriber of the desired state failed: " + e);
        }
      });
    }

    void deliver(Change c) {
      var mine = host.isEmpty() ? c.deltas() : c.deltas().stream().filter(d -> !(d instanceof VmDelta v)
          || v.before().map(b -> b.host().equals(host.get())).orElse(false) || v.after().map(a -> a.host().equals(host.get())).orElse(false)).toList();
      if (!mine.isEmpty()) run(() -> listener.accept(new Change(c.revision(), mine)));
    }

    void close() {
      thread.shutdown();
    }
  }

  // ---- writing ---------------------------------------------------------------------------

  /**
   * Queues a change. The future completes once it is committed (durable), refused, or
   * found impossible now; it never completes exceptionally.
   */
  public CompletableFuture<Result> submit(Mutation m) {
    var item = new Item(m);
    if (closed) {
      item.result.complete(unavailable("the service is stopping"));
      return item.result;
    }
    queue.add(item);
    return item.result;
  }

  /**
   * Withdraws a queued change the client no longer waits for (it went away, or timed out).
   * True when it was withdrawn and so will never be committed; false when the sequencer has
   * it already: its result then comes as usual.
   */
  public boolean withdraw(CompletableFuture<Result> submitted) {
    for (Item i : queue) {
      if (i.result == submitted && i.state.compareAndSet(Item.QUEUED, Item.WITHDRAWN)) {
        queue.remove(i);
        i.result.complete(unavailable("withdrawn before it was committed"));
        return true;
      }
    }
    return false;
  }

  /**
   * Imports an inventory into an empty store as one revision; every object becomes a row.
   * Returns the file's diagnostics; nothing is imported when there is an error.
   *
   * @throws IllegalStateException when the store is not empty
   */
  public Result importInventory(String source, String text) {
    return onSequencer(() -> {
      if (revision != 0 || bodies.values().stream().anyMatch(m -> !m.isEmpty())) {
        throw new IllegalStateException(store.describe() + " is not empty (revision " + revision + "); import needs an empty store");
      }
      var objects = InventoryReader.objects(source, text);
      if (!objects.result().ok()) return new Result(Result.Status.REJECTED, revision, Optional.empty(), errorsOf(objects.result().diagnostics()));
      var writes = new ArrayList<Store.Write>();
      objects.bodies().forEach((key, m) -> m.forEach((name, body) -> writes.add(Store.Write.put(Kind.of(key).orElseThrow(), name, body))));
      long rev;
      try {
        rev = store.commit(revision, writes);
      } catch (RuntimeException e) {
        return unavailable("the store could not commit: " + e.getMessage());
      }
      Inventory inv = objects.result().inventory().orElseThrow();
      model = Model.of(inv);
      for (var w : writes) bodies.get(w.kind()).put(w.name(), w.body().orElseThrow());
      revision = rev;
      commits.increment();
      var deltas = new ArrayList<Delta>();
      inv.hosts().forEach(h -> deltas.add(new HostDelta(h.name(), Optional.empty(), Optional.of(h))));
      inv.networks().forEach(n -> deltas.add(new NetworkDelta(n.name(), Optional.empty(), Optional.of(n))));
      inv.vms().forEach(v -> deltas.add(new VmDelta(v.name(), Optional.empty(), Optional.of(v))));
      dispatch(new Change(rev, deltas));
      var warnings = objects.result().diagnostics();
      return new Result(Result.Status.COMMITTED, rev, Optional.empty(), warnings);
    }).join();
  }

  /** A queued request and its outcome; the sequencer and a withdrawing client race for it once. */
  private static final class Item {
    static final int QUEUED = 0;
    static final int TAKEN = 1;
    static final int WITHDRAWN = 2;
    final Mutation mutation;
    final Supplier<Object> task;
    final CompletableFuture<Result> result = new CompletableFuture<>();
    final CompletableFuture<Object> taskResult = new CompletableFuture<>();
    final AtomicInteger state = new AtomicInteger(QUEUED);

    Item(Mutation m) {
      this.mutation = m;
      this.task = null;
    }

    Item(Supplier<Object> task) {
      this.mutation = null;
      this.task = task;
    }

    boolean take() {
      return state.compareAndSet(QUEUED, TAKEN);
    }

    /** Whether it can share a commit with other VM changes. */
    boolean batchable() {
      return mutation != null && mutation.kind() == Kind.VMS;
    }
  }

  /** Runs {@code task} on the sequencer, between commits: it sees one consistent state. */
  @SuppressWarnings("unchecked")
  private <T> CompletableFuture<T> onSequencer(Supplier<T> task) {
    if (Thread.currentThread() == sequencer) return CompletableFuture.completedFuture(task.get());
    var item = new Item((Supplier<Object>) task);
    if (closed) {
      item.taskResult.completeExceptionally(new IllegalStateException("the state service is closed"));
    } else {
      queue.add(item);
    }
    return (CompletableFuture<T>) (CompletableFuture<?>) item.taskResult;
  }

  // ---- the sequencer -------------------------------------------------------------------------

  private void run() {
    while (!closed) {
      Item first;
      try {
        first = queue.take();
      } catch (InterruptedException e) {
        break;
      }
      if (first.task != null) {
        try {
          first.taskResult.complete(first.task.get());
        } catch (RuntimeException e) {
          first.taskResult.completeExceptionally(e);
        }
        continue;
      }
      var batch = new ArrayList<Item>();
      batch.add(first);
      if (first.batchable()) {
        var names = new HashSet<String>();
        names.add(first.mutation.name());
        // Only VM changes to distinct VMs share a commit (one revision holds at most one change per object).
        for (Item next = queue.peek(); next != null && batch.size() < MAX_BATCH && next.batchable()
            && names.add(next.mutation.name()); next = queue.peek()) {
          batch.add(queue.poll());
        }
      }
      process(batch);
    }
    // Closing: whatever is left is not done.
    for (Item i; (i = queue.poll()) != null; ) {
      i.result.complete(unavailable("the service is stopping"));
      i.taskResult.completeExceptionally(new IllegalStateException("the state service is closed"));
    }
  }

  /** A change that passed validation: what to write, what to tell, how to take it back. */
  private record Accepted(Item item, Store.Write write, List<Delta> deltas, Runnable undo, Optional<String> body) {}

  /** Validates each change against the state the previous ones left, commits those that passed together. */
  private void process(List<Item> batch) {
    var accepted = new ArrayList<Accepted>();
    for (Item item : batch) {
      if (!item.take()) continue; // withdrawn
      try {
        switch (validate(item)) {
          case Accepted a -> accepted.add(a);
          case Result r -> {
            rejected.increment();
            item.result.complete(r);
          }
          default -> throw new IllegalStateException("unexpected outcome");
        }
      } catch (RuntimeException e) {
        log.accept("netfence: validating " + item.mutation.kind().singular() + " '" + item.mutation.name() + "' failed: " + e);
        item.result.complete(unavailable("internal error while validating: " + e));
      }
    }
    if (accepted.isEmpty()) return;
    long rev;
    try {
      rev = store.commit(revision, accepted.stream().map(Accepted::write).toList());
    } catch (RuntimeException e) {
      for (int i = accepted.size() - 1; i >= 0; i--) accepted.get(i).undo().run();
      log.accept("netfence: commit failed, " + accepted.size() + " change(s) not done: " + e.getMessage());
      for (var a : accepted) a.item().result.complete(unavailable("the store could not commit: " + e.getMessage()));
      return;
    }
    var deltas = new ArrayList<Delta>();
    for (var a : accepted) {
      var w = a.write();
      if (w.body().isPresent()) bodies.get(w.kind()).put(w.name(), w.body().get());
      else bodies.get(w.kind()).remove(w.name());
      deltas.addAll(a.deltas());
    }
    revision = rev;
    commits.increment();
    committed.add(accepted.size());
    for (var a : accepted) a.item().result.complete(new Result(Result.Status.COMMITTED, rev, a.body(), List.of()));
    dispatch(new Change(rev, deltas));
  }

  private void dispatch(Change c) {
    for (var s : subscribers) s.deliver(c);
  }

  /** An {@link Accepted} (already applied to the model, with its undo) or a {@link Result} saying why not. */
  private Object validate(Item item) {
    Mutation m = item.mutation;
    return switch (m) {
      case Mutation.Put p when p.body().length() > MAX_BODY -> rejectedAt(
          "the body has %d characters; an object's body may have at most %d".formatted(p.body().length(), MAX_BODY));
      case Mutation.Put p when p.kind() == Kind.VMS -> putVm(item, p);
      case Mutation.Delete d when d.kind() == Kind.VMS -> deleteVm(item, d);
      default -> whole(item, m);
    };
  }

  private Object putVm(Item item, Mutation.Put p) {
    Model md = model;
    Optional<Vm> old = Optional.ofNullable(md.vms.get(p.name()));
    // The VM's old claims go first, so it does not conflict with itself and may keep what it had.
    old.ifPresent(o -> {
      md.claims.remove(o.name());
      md.track(old, Optional.empty());
    });
    Runnable restore = () -> old.ifPresent(o -> {
      md.track(Optional.empty(), old);
      md.claims.addStored(o);
    });
    var read = VmReader.read(REQUEST, p.name(), p.body(), md.hosts, md.networks, md.allocator(old));
    if (read.vm().isEmpty()) {
      var all = new ArrayList<>(read.diagnostics());
      all.addAll(md.claims.indexConflict(read));
      restore.run();
      return rejected(all);
    }
    var conflicts = md.claims.add(read);
    if (!conflicts.isEmpty()) {
      restore.run();
      return rejected(conflicts);
    }
    Vm now = read.vm().get();
    md.track(Optional.empty(), Optional.of(now));
    Runnable undo = () -> {
      md.claims.remove(now.name());
      md.track(Optional.of(now), Optional.empty());
      restore.run();
    };
    return new Accepted(item, Store.Write.put(Kind.VMS, p.name(), read.canonical()), List.of(new VmDelta(p.name(), old, Optional.of(now))),
        undo, Optional.of(read.canonical()));
  }

  private Object deleteVm(Item item, Mutation.Delete d) {
    Model md = model;
    Vm old = md.vms.get(d.name());
    if (old == null) return notFound(d);
    md.claims.remove(old.name());
    md.track(Optional.of(old), Optional.empty());
    Runnable undo = () -> {
      md.track(Optional.empty(), Optional.of(old));
      md.claims.addStored(old);
    };
    return new Accepted(item, Store.Write.delete(Kind.VMS, d.name()), List.of(new VmDelta(d.name(), Optional.of(old), Optional.empty())),
        undo, Optional.empty());
  }

  /**
   * A host or network change: every VM may depend on it, so the whole state is validated
   * with the change, as {@code check} would a file. Rare, and it costs what {@code check}
   * of the whole state costs.
   */
  private Object whole(Item item, Mutation m) {
    Model before = model;
    Optional<String> stored = Optional.empty();
    if (m instanceof Mutation.Put p) {
      var canon = Bodies.canonical(REQUEST, p.body());
      if (canon.canonical().isEmpty()) return rejected(canon.errors());
      stored = canon.canonical();
    } else {
      if (!bodies.get(m.kind()).containsKey(m.name())) return notFound(m);
      Set<String> users = before.users(m.kind(), m.name());
      if (!users.isEmpty()) {
        var some = users.stream().sorted().limit(10).toList();
        return rejectedAt("%s '%s' is still used by VM(s) %s%s; delete them or move them elsewhere first".formatted(m.kind().singular(),
            m.name(), String.join(", ", some), users.size() > some.size() ? " and " + (users.size() - some.size()) + " more" : ""));
      }
    }
    // A request comes last of its kind even when it replaces an object, so that a clash
    // between it and a stored object is reported at the request, where the client can fix it.
    var fragments = new ArrayList<Fragment>();
    for (Kind kind : Kind.values()) {
      bodies.get(kind).forEach((name, body) -> {
        if (!(kind == m.kind() && name.equals(m.name()))) fragments.add(new Fragment(kind.key(), name, "store:" + kind.key() + "/" + name, body));
      });
      if (kind == m.kind() && m instanceof Mutation.Put p) fragments.add(new Fragment(kind.key(), p.name(), REQUEST, p.body()));
    }
    var result = InventoryReader.fromFragments(fragments);
    if (!result.ok()) return rejected(result.diagnostics());
    Model after = Model.of(result.inventory().orElseThrow());
    model = after;
    var deltas = new ArrayList<Delta>();
    switch (m.kind()) {
      case HOSTS -> deltas.add(new HostDelta(m.name(), Optional.ofNullable(before.hosts.get(m.name())), Optional.ofNullable(after.hosts.get(m.name()))));
      case NETWORKS -> deltas.add(new NetworkDelta(m.name(), Optional.ofNullable(before.networks.get(m.name())),
          Optional.ofNullable(after.networks.get(m.name()))));
      case VMS -> throw new IllegalStateException("VM changes are validated on their own");
    }
    for (var e : after.vms.entrySet()) {
      Vm was = before.vms.get(e.getKey());
      if (!e.getValue().equals(was)) deltas.add(new VmDelta(e.getKey(), Optional.ofNullable(was), Optional.of(e.getValue())));
    }
    var write = stored.isPresent() ? Store.Write.put(m.kind(), m.name(), stored.get()) : Store.Write.delete(m.kind(), m.name());
    return new Accepted(item, write, deltas, () -> model = before, stored);
  }

  // ---- outcomes ------------------------------------------------------------------------------

  private Result rejected(List<Diagnostic> diagnostics) {
    return new Result(Result.Status.REJECTED, revision, Optional.empty(), errorsOf(diagnostics));
  }

  private Result rejectedAt(String message) {
    return rejected(List.of(new Diagnostic(new Pos(REQUEST, 1, 1), Diagnostic.Severity.ERROR, message)));
  }

  private Result notFound(Mutation m) {
    return new Result(Result.Status.NOT_FOUND, revision, Optional.empty(), List.of(new Diagnostic(new Pos(REQUEST, 1, 1),
        Diagnostic.Severity.ERROR, "%s '%s' does not exist".formatted(m.kind().singular(), m.name()))));
  }

  private Result unavailable(String why) {
    return new Result(Result.Status.UNAVAILABLE, revision, Optional.empty(), List.of(new Diagnostic(new Pos(REQUEST, 1, 1),
        Diagnostic.Severity.ERROR, why)));
  }

  /** The errors (not warnings), sorted, at most {@link #MAX_ERRORS}. */
  private static List<Diagnostic> errorsOf(List<Diagnostic> diagnostics) {
    var errors = diagnostics.stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).sorted().toList();
    if (errors.size() <= MAX_ERRORS) return errors;
    var capped = new ArrayList<>(errors.subList(0, MAX_ERRORS - 1));
    capped.add(new Diagnostic(errors.get(MAX_ERRORS - 1).pos(), Diagnostic.Severity.ERROR,
        "and %d more error(s); fix these first".formatted(errors.size() - (MAX_ERRORS - 1))));
    return capped;
  }

  /** Stops the sequencer; queued changes are answered as not done. The store is the caller's to close. */
  @Override
  public void close() {
    closed = true;
    queue.add(new Item(() -> null)); // wakes the sequencer, which then sees it is closed
    try {
      sequencer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (var s : subscribers) s.close();
    subscribers.clear();
  }
}
