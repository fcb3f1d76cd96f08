package netfence.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import netfence.dataplane.Netns;
import java.util.Optional;
import netfence.dataplane.NftSession;
import netfence.dataplane.VmUpdate;
import netfence.model.VmInterface;
import netfence.policy.Port;
import netfence.inventory.InventoryReader;
import netfence.policy.HostPolicy;
import netfence.render.nft.NftPolicy;
import netfence.nft.NftCommand;
import netfence.nft.NftScript;

/**
 * Control-plane timings: compile (parse, validate, render) of 10,000 and
 * 100,000 VMs; cold apply of 10,000 VMs' tables in one transaction; the
 * latency of one VM change at 10,000 VMs end to end through the driver
 * ({@link VmUpdate} and the in-process session); sustained
 * changes per second. ({@link Benchmark} adds the JVM's peak resident memory.)
 */
final class ControlPlaneBench {
  /** A named figure with its unit and how it was obtained. */
  record Result(String name, double value, String unit, String how) {}

  List<Result> run(java.io.PrintStream log) {
    var out = new ArrayList<Result>();
    // Warm up the JIT on a smaller inventory first, as a long-running agent would be.
    compile(BenchInventory.bridged(2_000));
    compile(BenchInventory.bridgedJson(2_000));
    for (int n : new int[] {10_000, 100_000}) {
      for (boolean json : new boolean[] {false, true}) {
        String text = json ? BenchInventory.bridgedJson(n) : BenchInventory.bridged(n);
        long t0 = System.nanoTime();
        String script = compile(text);
        double ms = (System.nanoTime() - t0) / 1e6;
        out.add(new Result("compile " + String.format("%,d", n) + " VMs from " + (json ? "JSON" : "YAML") + " (parse, validate, render nft)",
            ms, "ms", "one run after a warm-up; " + text.length() / 1024 + " KiB in, " + script.length() / 1024 + " KiB of nft out"));
        log.printf("  compile %,d VMs from %s: %.0f ms%n", n, json ? "JSON" : "YAML", ms);
      }
    }
    var inv10k = InventoryReader.parse("bench.yaml", BenchInventory.bridged(10_000)).inventory().orElseThrow();
    var policy10k = HostPolicy.of(inv10k, "hv1");
    String script10k = NftScript.file(NftCommand.replace(NftPolicy.tables(policy10k)));
    try (var ns = Netns.create("nfb-cp"); NftSession nft = NftSession.open(ns, log::println)) {
      double[] cold = new double[5];
      double kernelTicks = 0;
      double userTicks = 0;
      long tid = nft.committer().orElse(-1);
      for (int i = 0; i < cold.length; i++) {
        nft.run("table bridge netfence {}\ndelete table bridge netfence").orThrow();
        long[] before = cpuTicks(tid);
        long t0 = System.nanoTime();
        nft.run(script10k).orThrow();
        cold[i] = (System.nanoTime() - t0) / 1e6;
        long[] after = cpuTicks(tid);
        userTicks += after[0] - before[0];
        kernelTicks += after[1] - before[1];
      }
      Arrays.sort(cold);
      out.add(new Result("cold apply of 10,000 VMs (one transaction, " + nft.kind() + "), wall", cold[2], "ms", "median of 5"));
      if (tid > 0) {
        // The transaction's kernel work runs in the session thread's netlink syscalls: its system time.
        out.add(new Result("cold apply of 10,000 VMs, kernel time", kernelTicks * 10 / cold.length, "ms",
            "system time of the libnftables thread, mean of 5, 10 ms ticks"));
        out.add(new Result("cold apply of 10,000 VMs, user time", userTicks * 10 / cold.length, "ms",
            "user time of that thread (libnftables parsing the script), mean of 5, 10 ms ticks"));
      }
      log.printf("  cold apply 10,000 VMs: %.1f ms wall (%s), %.0f ms kernel, %.0f ms user%n", cold[2], nft.kind(),
          kernelTicks * 10 / cold.length, userTicks * 10 / cold.length);

      // One VM change end to end through the driver: VM 5000 is re-addressed back and forth;
      // VmUpdate computes its element changes from the port before and after, and the session
      // commits them as one transaction.
      int changes = 2000;
      double[] lat = new double[changes];
      Port a = policy10k.ports().get(4999);
      Port b = readdressed(a);
      for (int i = 0; i < changes; i++) {
        long t0 = System.nanoTime();
        var cmd = i % 2 == 0 ? VmUpdate.commands(Optional.of(a), Optional.of(b)) : VmUpdate.commands(Optional.of(b), Optional.of(a));
        nft.run(cmd).orThrow();
        lat[i] = (System.nanoTime() - t0) / 1e3;
      }
      Arrays.sort(lat);
      out.add(new Result("one VM change at 10,000 VMs, p50", lat[changes / 2], "µs", changes + " changes, in process"));
      out.add(new Result("one VM change at 10,000 VMs, p99", lat[changes * 99 / 100], "µs", changes + " changes, in process"));
      log.printf("  one change: p50 %.0f µs, p99 %.0f µs%n", lat[changes / 2], lat[changes * 99 / 100]);

      Port c = policy10k.ports().get(5999);
      Port d = readdressed(c);
      long t0 = System.nanoTime();
      int done = 0;
      while (System.nanoTime() - t0 < 3_000_000_000L) {
        nft.run(done % 2 == 0 ? VmUpdate.commands(Optional.of(c), Optional.of(d)) : VmUpdate.commands(Optional.of(d), Optional.of(c))).orThrow();
        done++;
      }
      double rate = done / ((System.nanoTime() - t0) / 1e9);
      out.add(new Result("sustained VM changes", rate, "changes/s", "back to back for 3 s, one transaction each"));
      log.printf("  sustained: %.0f changes/s%n", rate);
    }
    return out;
  }

  static String compile(String yaml) {
    var inv = InventoryReader.parse("bench.yaml", yaml).inventory().orElseThrow();
    return NftScript.file(NftCommand.replace(NftPolicy.tables(HostPolicy.of(inv, "hv1"))));
  }

  /** The same interface with its IPv4 address moved to 11.0.0.x. */
  private static Port readdressed(Port p) {
    var i = p.iface();
    var moved = new java.util.ArrayList<inet.ipaddr.IPAddress>();
    for (var a : i.addresses()) {
      moved.add(a.isIPv4() ? new inet.ipaddr.IPAddressString("11.0.0." + (p.index() % 250 + 1)).getAddress() : a);
    }
    return new Port(p.vm(), p.index(), p.interfaceNumber(), p.network(),
        new VmInterface(i.network(), i.tap(), i.mac(), moved, i.routedPrefixes(), i.slaac()));
  }

  /** utime and stime of one thread of this process, in clock ticks (USER_HZ, 100 per second). */
  private static long[] cpuTicks(long tid) {
    if (tid <= 0) return new long[] {0, 0};
    try {
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/task/" + tid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    } catch (java.io.IOException e) {
      return new long[] {0, 0};
    }
  }

  static Result peakRss() {
    return new Result("JVM peak resident memory", peakRssMiB(), "MiB", "VmHWM of this process after all of the above");
  }

  private static double peakRssMiB() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    } catch (java.io.IOException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }
}
