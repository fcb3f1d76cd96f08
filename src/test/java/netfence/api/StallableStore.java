package netfence.api;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import netfence.store.Store;

/**
 * A real store with two faults a test can switch on: commits that stall until released (a busy
 * or stuck state service) and changes compacted up to a revision (a feed that comes too late).
 */
final class StallableStore implements Store {
  private final Store store;
  private volatile CountDownLatch gate;
  private volatile CountDownLatch entered = new CountDownLatch(1);
  private final AtomicLong compactedTo = new AtomicLong();

  StallableStore(Store store) {
    this.store = store;
  }

  /** From now on, commits wait until {@link #release}. */
  void stall() {
    entered = new CountDownLatch(1);
    gate = new CountDownLatch(1);
  }

  /** Waits until a commit is stalled. */
  void awaitStalled() throws InterruptedException {
    entered.await();
  }

  void release() {
    var g = gate;
    gate = null;
    if (g != null) g.countDown();
  }

  /** The changes of revisions up to {@code revision} are gone, as if compacted. */
  void compactTo(long revision) {
    compactedTo.set(revision);
  }

  @Override
  public Snapshot read() {
    return store.read();
  }

  @Override
  public long revision() {
    return store.revision();
  }

  @Override
  public long commit(long expected, List<Write> writes) {
    var g = gate;
    if (g != null) {
      entered.countDown();
      try {
        g.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return store.commit(expected, writes);
  }

  @Override
  public Optional<List<Event>> since(long revision, int limit) {
    return revision < compactedTo.get() ? Optional.empty() : store.since(revision, limit);
  }

  @Override
  public AutoCloseable watch(long revision, Consumer<List<Event>> listener) {
    if (revision < compactedTo.get()) throw new StoreException("revision " + revision + " is compacted");
    return store.watch(revision, listener);
  }

  @Override
  public String describe() {
    return store.describe();
  }

  @Override
  public void close() {
    store.close();
  }
}
