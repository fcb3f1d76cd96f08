package netfence.api;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** An agent that acts on revisions when the test says so, with one PENDING interface per VM it is told of. */
final class FakeAgent implements AgentView {
  private long applied;
  private volatile List<Status.InterfaceState> interfaces = List.of();

  synchronized void apply(long revision) {
    applied = Math.max(applied, revision);
    notifyAll();
  }

  void interfaces(List<Status.InterfaceState> now) {
    interfaces = List.copyOf(now);
  }

  @Override
  public boolean running() {
    return true;
  }

  @Override
  public synchronized long appliedRevision() {
    return applied;
  }

  @Override
  public synchronized boolean awaitApplied(long revision, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (applied < revision) {
      long left = end - System.nanoTime();
      if (left <= 0) return false;
      java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  @Override
  public List<Status.InterfaceState> interfaces(Optional<String> vm) {
    return interfaces.stream().filter(i -> vm.isEmpty() || i.vm().equals(vm.get())).toList();
  }

  @Override
  public String metrics() {
    return "netfence_fake_agent 1\n";
  }
}
