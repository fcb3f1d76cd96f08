package netfence.dataplane;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import netfence.model.Inventory;

/**
 * Keeps a namespace matching the inventory when someone else changes
 * nftables: a firewall restart that runs {@code flush ruleset}, a hand edit
 * of netfence's tables. It listens to the nftables events of the namespace
 * ({@link NftEvents}); a generation committed by anyone but its own session
 * makes it re-run the idempotent apply, which restores what differs and
 * leaves the rest alone, and it logs what it restored.
 *
 * <pre>{@code
 * try (var guard = TableGuard.start(Netns.current(), () -> inventory, "hv1", System.err::println)) {
 *   ...   // until closed
 * }
 * }</pre>
 */
public final class TableGuard implements AutoCloseable {
  private final Thread thread;
  private final AtomicLong restores = new AtomicLong();
  private final AtomicLong checks = new AtomicLong();
  private volatile boolean stop;

  private TableGuard(Netns ns, Supplier<Inventory> desired, String host, Consumer<String> log, LongPredicate alsoOurs) {
    NftEvents events = NftEvents.open(ns);
    NftSession session = NftSession.open(ns, log);
    long own = session.committer().orElse(-1);
    LongPredicate mine = pid -> pid == own || alsoOurs.test(pid);
    this.thread = Thread.ofPlatform().name("netfence-guard").daemon().unstarted(() -> {
      try (events; session) {
        while (!stop) {
          var g = events.next(Duration.ofMillis(250));
          if (g.isEmpty() || mine.test(g.get().pid())) continue;
          // Let the other transaction's burst settle, then look once.
          while (events.next(Duration.ofMillis(20)).isPresent()) {
            // drain
          }
          checks.incrementAndGet();
          try {
            var report = HostApply.apply(ns, session, desired.get(), host, false);
            if (report.changed()) {
              restores.incrementAndGet();
              log.accept("netfence: nftables changed by " + g.get().process() + " (pid " + g.get().pid() + ", generation "
                  + g.get().id() + "); restored " + report.changes().size() + " change(s):");
              report.changes().forEach(c -> log.accept("  " + c));
            }
          } catch (ApplyException e) {
            log.accept("netfence: restoring after a change by " + g.get().process() + " failed: " + e.getMessage());
          }
        }
      }
    });
  }

  /** Starts guarding {@code host}'s policy in {@code ns}; {@code desired} is asked for the inventory at each restore. */
  public static TableGuard start(Netns ns, Supplier<Inventory> desired, String host, Consumer<String> log) {
    return start(ns, desired, host, log, pid -> false);
  }

  /**
   * The same, also ignoring the generations {@code alsoOurs} says are
   * netfence's (the agent's own session commits element changes the guard
   * need not check).
   */
  public static TableGuard start(Netns ns, Supplier<Inventory> desired, String host, Consumer<String> log, LongPredicate alsoOurs) {
    var g = new TableGuard(ns, desired, host, log, alsoOurs);
    g.thread.start();
    return g;
  }

  /** How many times the guard found something to restore. */
  public long restores() {
    return restores.get();
  }

  /** How many foreign generations it checked. */
  public long checks() {
    return checks.get();
  }

  @Override
  public void close() {
    stop = true;
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
