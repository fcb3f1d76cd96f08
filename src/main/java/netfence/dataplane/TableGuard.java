package netfence.dataplane;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import netfence.model.Inventory;

/**
 * Notices when someone else changes nftables in a namespace (a firewall restart
 * that runs {@code flush ruleset}, a hand edit of netfence's tables): it
 * listens to the namespace's nftables events ({@link NftEvents}) and signals
 * each generation committed by anyone but netfence, and every loss of events
 * (the kernel dropped messages: anything may have happened). It never writes:
 * whoever owns the kernel writes decides what to do (the agent runs a cheap
 * check and restores through its reconciler; {@code apply --watch} re-applies).
 *
 * <pre>{@code
 * try (var guard = TableGuard.start(Netns.current(), pid -> pid == mine, signal -> queue.add(signal))) {
 *   ...   // until closed
 * }
 * }</pre>
 */
public final class TableGuard implements AutoCloseable {
  /**
   * Something to check: who changed nftables, or that events were lost ({@code pid} -1), and
   * whether netfence's tables were touched (always so when events were lost: nobody knows).
   */
  public record Signal(long pid, String process, long generation, boolean touched) {
    public boolean lost() {
      return pid < 0;
    }

    @Override
    public String toString() {
      return lost() ? "nftables events were lost" : "nftables changed by " + process + " (pid " + pid + ", generation " + generation + ")";
    }
  }

  private final Thread thread;
  private final AtomicLong signals = new AtomicLong();
  private volatile boolean stop;

  private TableGuard(Netns ns, LongPredicate ours, Consumer<Signal> signal) {
    NftEvents events = NftEvents.open(ns);
    this.thread = Thread.ofPlatform().name("netfence-guard").daemon().unstarted(() -> {
      try (events) {
        while (!stop) {
          var g = events.next(Duration.ofMillis(250));
          if (g.isEmpty() || ours.test(g.get().pid())) continue;
          // Let the other transaction's burst settle, then signal once.
          boolean touched = g.get().touchedNetfence();
          while (true) {
            var more = events.next(Duration.ofMillis(20));
            if (more.isEmpty()) break;
            if (!ours.test(more.get().pid())) {
              g = more;
              touched |= more.get().touchedNetfence();
            }
          }
          signals.incrementAndGet();
          signal.accept(new Signal(g.get().pid(), g.get().process(), g.get().id(), touched));
        }
      }
    });
  }

  /** Starts watching {@code ns}; generations whose committer {@code ours} accepts are netfence's own and not signalled. */
  public static TableGuard start(Netns ns, LongPredicate ours, Consumer<Signal> signal) {
    var g = new TableGuard(ns, ours, signal);
    g.thread.start();
    return g;
  }

  /**
   * For {@code apply --watch}, where nothing else writes: on each signal, the idempotent
   * {@link HostApply} of the inventory {@code desired} gives, logging what it restored.
   */
  public static TableGuard restoring(Netns ns, Supplier<Inventory> desired, String host, Consumer<String> log) {
    NftSession session = NftSession.open(ns, log);
    long own = session.committer().orElse(-1);
    var restores = new AtomicLong();
    var guard = start(ns, pid -> pid == own, signal -> {
      try {
        var report = HostApply.apply(ns, session, desired.get(), host, false);
        if (report.changed()) {
          restores.incrementAndGet();
          log.accept("netfence: " + signal + "; restored " + report.changes().size() + " change(s):");
          report.changes().forEach(c -> log.accept("  " + c));
        }
      } catch (ApplyException e) {
        log.accept("netfence: restoring after " + signal + " failed: " + e.getMessage());
      }
    });
    guard.onClose = session::close;
    guard.restores = restores;
    return guard;
  }

  private Runnable onClose = () -> {};
  private AtomicLong restores = new AtomicLong();

  /** How many signals it gave. */
  public long signals() {
    return signals.get();
  }

  /** For {@link #restoring}: how many times it found something to restore. */
  public long restores() {
    return restores.get();
  }

  @Override
  public void close() {
    stop = true;
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    onClose.run();
  }
}
