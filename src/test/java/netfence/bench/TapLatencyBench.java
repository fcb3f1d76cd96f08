package netfence.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import netfence.agent.Agent;
import netfence.dataplane.Netns;
import netfence.inventory.InventoryReader;

/**
 * How soon the agent configures a tap the hypervisor has just created, at
 * 10,000 routed VMs: from before {@code ip link add} until the agent reports
 * the tap APPLIED (host addresses, routes, sysctls in place), one tap at a
 * time, and for a burst of taps created by one {@code ip -batch}. The time
 * includes the {@code ip} process that creates the tap, which the
 * hypervisor would spend anyway; it is measured on its own too.
 */
final class TapLatencyBench {
  private static final int VMS = 10_000;
  private static final int WARMUP = 20;
  private static final int TAPS = 200;
  private static final int BURST = 100;

  List<ControlPlaneBench.Result> run(java.io.PrintStream log) {
    var out = new ArrayList<ControlPlaneBench.Result>();
    var inv = InventoryReader.parse("bench.yaml", BenchInventory.routed(VMS)).inventory().orElseThrow();
    try (var ns = Netns.create("nfb-tap"); var agent = Agent.start(ns, "hv1", netfence.state.View.of(1, inv), Duration.ofHours(1), log::println)) {
      double[] total = new double[TAPS];
      double[] create = new double[TAPS];
      for (int k = -WARMUP; k < TAPS; k++) {
        int vm = VMS - WARMUP - TAPS + 1 + WARMUP + k;
        long t0 = System.nanoTime();
        var r = ns.exec("ip", "link", "add", "vm" + vm, "type", "veth", "peer", "name", "p" + vm);
        if (!r.ok()) throw new IllegalStateException("ip link add failed: " + r.stderr());
        long t1 = System.nanoTime();
        awaitApplied(agent, List.of("vm" + vm));
        long t2 = System.nanoTime();
        if (k >= 0) {
          create[k] = (t1 - t0) / 1e6;
          total[k] = (t2 - t0) / 1e6;
        }
      }
      String last = "vm" + VMS;
      if (ns.exec("ip", "route", "show", "proto", "110", "dev", last).stdout().isBlank()) {
        throw new IllegalStateException(last + " is APPLIED but has no netfence routes");
      }
      Arrays.sort(total);
      Arrays.sort(create);
      String how = TAPS + " taps one at a time, after " + WARMUP + " for warm-up; from before `ip link add` to the agent's APPLIED";
      out.add(new ControlPlaneBench.Result("new tap configured by the agent at 10,000 routed VMs, p50", total[TAPS / 2], "ms", how));
      out.add(new ControlPlaneBench.Result("new tap configured by the agent at 10,000 routed VMs, p99", total[TAPS * 99 / 100], "ms", how));
      out.add(new ControlPlaneBench.Result("of which `ip link add` itself, p50", create[TAPS / 2], "ms", "the process that creates the veth"));
      log.printf("  new tap configured: p50 %.1f ms, p99 %.1f ms (ip link add alone p50 %.1f ms)%n",
          total[TAPS / 2], total[TAPS * 99 / 100], create[TAPS / 2]);

      var names = new ArrayList<String>();
      var batch = new StringBuilder();
      for (int vm = 1; vm <= BURST; vm++) {
        names.add("vm" + vm);
        batch.append("link add vm").append(vm).append(" type veth peer name p").append(vm).append('\n');
      }
      long t0 = System.nanoTime();
      var r = ns.exec(List.of("ip", "-batch", "-"), batch.toString());
      if (!r.ok()) throw new IllegalStateException("ip -batch failed: " + r.stderr());
      awaitApplied(agent, names);
      double burst = (System.nanoTime() - t0) / 1e6;
      out.add(new ControlPlaneBench.Result("burst of " + BURST + " new taps, all configured", burst, "ms",
          "created by one `ip -batch`; until the agent reports every one APPLIED"));
      log.printf("  burst of %d taps: %.0f ms%n", BURST, burst);
    }
    return out;
  }

  private static void awaitApplied(Agent agent, List<String> taps) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    for (String tap : taps) {
      while (agent.state(tap).orElse(null) != Agent.State.APPLIED) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("the agent did not configure " + tap + " within 30 s");
        LockSupport.parkNanos(50_000);
      }
    }
  }
}
