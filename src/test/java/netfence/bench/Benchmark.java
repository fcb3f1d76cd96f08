package netfence.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code bench/run}: the data-plane and control-plane benchmark. Writes
 * {@code bench/results/<date>.md} and {@code bench/results/pps-ratio.png}.
 *
 * <pre>
 * java -cp ... netfence.bench.Benchmark --blast /tmp/blast [--counts 1,100,1000,10000] [--seconds 2] [--repeats 5]
 * </pre>
 */
public final class Benchmark {
  private Benchmark() {}

  public static void main(String[] args) throws Exception {
    Path blast = Path.of("bench/blast");
    int[] counts = {1, 100, 1000, 10000};
    double seconds = 2;
    int repeats = 5;
    Path out = Path.of("bench/results");
    boolean dataPlane = true;
    boolean controlPlane = true;
    boolean service = true;
    int[] serveSizes = {10_000, 100_000};
    Path launcher = Path.of("netfence").toAbsolutePath();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--blast" -> blast = Path.of(args[++i]);
        case "--counts" -> counts = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--repeats" -> repeats = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--only-data-plane" -> {
          controlPlane = false;
          service = false;
        }
        case "--only-control-plane" -> {
          dataPlane = false;
          service = false;
        }
        case "--only-service" -> {
          dataPlane = false;
          controlPlane = false;
        }
        case "--serve-sizes" -> serveSizes = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--launcher" -> launcher = Path.of(args[++i]).toAbsolutePath();
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    PrintStream log = System.out;
    var dp = new ArrayList<DataPlaneBench.Result>();
    if (dataPlane) {
      var bench = new DataPlaneBench(blast, seconds, repeats);
      log.println("data plane: " + repeats + " runs of " + seconds + " s per point, median kept");
      for (var p : DataPlaneBench.Path.values()) dp.addAll(bench.run(p, counts, log));
    }
    var sv = new ArrayList<ControlPlaneBench.Result>();
    if (service) {
      log.println("service, end to end: ./netfence serve in a namespace, requests over its socket");
      sv.addAll(new ServeBench(launcher).run(serveSizes, log));
    }
    var cp = new ArrayList<ControlPlaneBench.Result>();
    if (controlPlane) {
      cp.addAll(new ControlPlaneBench().run(log));
      cp.addAll(new TapLatencyBench().run(log));
      cp.add(ControlPlaneBench.peakRss());
    }
    Files.createDirectories(out);
    String report = Report.markdown(dp, sv, cp, counts, seconds, repeats);
    String date = java.time.LocalDate.now().toString();
    Files.writeString(out.resolve(date + ".md"), report);
    if (!dp.isEmpty()) Plot.ratios(dp, out.resolve("pps-ratio.png"));
    log.println();
    log.print(report);
  }
}
