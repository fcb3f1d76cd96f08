package netfence.bench;

import java.util.List;
import java.util.Locale;
import netfence.dataplane.Exec;

/** The benchmark's results as Markdown, with the machine and the method, for the README. */
final class Report {
  private Report() {}

  static String markdown(List<DataPlaneBench.Result> dp, List<ControlPlaneBench.Result> service, List<ControlPlaneBench.Result> cp,
      int[] counts, double seconds, int repeats) {
    var b = new StringBuilder();
    b.append("# netfence benchmark, ").append(java.time.LocalDate.now()).append("\n\n");
    b.append("Machine: ").append(machine()).append("\n\n");
    if (!dp.isEmpty()) {
      b.append("## Data plane\n\n");
      b.append("Small UDP frames (60 bytes) from the last-added VM, sent with `bench/blast` (AF_PACKET, sendmmsg) as fast as ")
          .append("one core can; packets per second counted at the receiving veth. Each point is the median of ")
          .append(repeats).append(" runs of ").append(seconds).append(" s. The three rulesets are measured one after the other on the same ")
          .append("topology in the same run. Ratios: netfence's rate over the no-filter rate, and over the one-rule-per-VM rate.\n\n");
      b.append("| path | VMs | no filter (pps) | netfence (pps) | one rule per VM (pps) | netfence / no filter | netfence / rule per VM |\n");
      b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
      for (var path : DataPlaneBench.Path.values()) {
        for (int n : counts) {
          double none = pps(dp, path, n, DataPlaneBench.Mode.NONE);
          double nf = pps(dp, path, n, DataPlaneBench.Mode.NETFENCE);
          double rule = pps(dp, path, n, DataPlaneBench.Mode.RULE_PER_VM);
          if (Double.isNaN(none)) continue;
          b.append(String.format(Locale.ROOT, "| %s | %,d | %,.0f | %,.0f | %,.0f | %.2f | %.1f× |%n",
              path.name().toLowerCase(Locale.ROOT), n, none, nf, rule, nf / none, nf / rule));
        }
      }
      b.append('\n');
    }
    if (!service.isEmpty()) {
      b.append("## The service, end to end\n\n")
          .append("A real `./netfence serve` process (the launcher and its JVM flags) in a network namespace, its agent enforcing ")
          .append("there; clients send requests over its Unix socket as the CLI does (Jetty's HTTP client). The GET is the ")
          .append("baseline: what the socket, HTTP and JSON cost by themselves, measured in the same run.\n\n");
      b.append("| what | value | how |\n| --- | ---: | --- |\n");
      for (var r : service) b.append(String.format(Locale.ROOT, "| %s | %,.2f %s | %s |%n", r.name(), r.value(), r.unit(), r.how()));
      b.append('\n');
    }
    if (!cp.isEmpty()) {
      b.append("## Control plane, inner layers\n\n| what | value | how |\n| --- | ---: | --- |\n");
      for (var r : cp) {
        b.append(String.format(Locale.ROOT, "| %s | %,.1f %s | %s |%n", r.name(), r.value(), r.unit(), r.how()));
      }
      b.append('\n');
    }
    return b.toString();
  }

  static double pps(List<DataPlaneBench.Result> dp, DataPlaneBench.Path p, int n, DataPlaneBench.Mode m) {
    return dp.stream().filter(r -> r.path() == p && r.vms() == n && r.mode() == m).mapToDouble(DataPlaneBench.Result::pps).findFirst().orElse(Double.NaN);
  }

  private static String machine() {
    String cpu = Exec.run(List.of("sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")).stdout().strip();
    String cores = Exec.run(List.of("nproc")).stdout().strip();
    String kernel = Exec.run(List.of("uname", "-r")).stdout().strip();
    String nft = Exec.run(List.of("nft", "--version")).stdout().strip();
    return cores + " vCPU (" + cpu + "), kernel " + kernel + ", " + nft + ", Java " + Runtime.version();
  }
}
