package netfence.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import netfence.api.ApiClient;
import netfence.dataplane.Exec;
import netfence.dataplane.Netns;
import netfence.dataplane.NftEvents;

/**
 * The service as users run it, end to end: a real {@code ./netfence serve}
 * process (the launcher, its JVM flags) in a network namespace, with 10,000
 * or 100,000 VMs in its store, and clients sending requests over its Unix
 * socket the way the CLI does. Every figure is a whole-system one:
 *
 * <ul>
 *   <li>import of a YAML inventory into an empty store, until the service answers;
 *   <li>start with the VMs already stored (agent included) until it answers;
 *   <li>a GET of one VM (the transport's own cost, the baseline), and a PUT of one new VM,
 *       acknowledged, one client; changes per second and latency with 8 clients;
 *   <li>acknowledged to enforced: after each acknowledged PUT, the time until its
 *       allowlist element is in the kernel (asked through libnftables in the namespace);
 *   <li>the service's resident memory.
 * </ul>
 */
final class ServeBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "nfb-serve";

  private final Path launcher;

  ServeBench(Path launcher) {
    this.launcher = launcher;
  }

  List<ControlPlaneBench.Result> run(int[] sizes, PrintStream log) throws Exception {
    var out = new ArrayList<ControlPlaneBench.Result>();
    for (int n : sizes) out.addAll(at(n, log));
    return out;
  }

  private List<ControlPlaneBench.Result> at(int n, PrintStream log) throws Exception {
    var out = new ArrayList<ControlPlaneBench.Result>();
    String size = String.format(Locale.ROOT, "%,d", n);
    Path dir = Files.createTempDirectory("nfb-serve");
    Path inv = dir.resolve("inventory.yaml");
    Files.writeString(inv, BenchInventory.mixed(n));
    Path state = dir.resolve("state");
    Path socket = dir.resolve("api.sock");
    try (var ns = Netns.create(NS)) {
      // Import, store and API only: the time until an empty store holding the file answers.
      long t0 = System.nanoTime();
      var importing = serve(ns, dir.resolve("import.log"), "--state-dir", state.toString(), "--inventory", inv.toString(),
          "--socket", socket.toString(), "--no-agent");
      try (var api = answering(socket, importing)) {
        double ms = (System.nanoTime() - t0) / 1e6;
        out.add(new ControlPlaneBench.Result("import of a " + size + "-VM YAML inventory into an empty store, until it answers", ms, "ms",
            "whole process: `serve --inventory` (" + Files.size(inv) / 1024 + " KiB, half bridged, half routed) until GET /v1/status answers"));
        log.printf("  serve: import of %s VMs until answering: %.0f ms%n", size, ms);
      } finally {
        stop(importing);
      }

      // Start with the VMs stored and the agent enforcing them in the namespace.
      t0 = System.nanoTime();
      var serve = serve(ns, dir.resolve("serve.log"), "--state-dir", state.toString(), "--socket", socket.toString(), "--host", "hv1");
      try (var api = answering(socket, serve)) {
        double ms = (System.nanoTime() - t0) / 1e6;
        out.add(new ControlPlaneBench.Result("`serve` start with " + size + " VMs stored, until it answers", ms, "ms",
            "whole process in a namespace, agent included, until GET /v1/status answers"));
        log.printf("  serve: start with %s VMs: %.0f ms%n", size, ms);

        // The transport's own cost: GET of one stored VM, one client.
        double[] get = new double[1000];
        for (int i = -100; i < get.length; i++) {
          long s = System.nanoTime();
          ok(api.send("GET", "/v1/vms/vm1", null));
          if (i >= 0) get[i] = (System.nanoTime() - s) / 1e6;
        }
        out.addAll(percentiles("GET of one VM (baseline: socket, HTTP, JSON), one client, at " + size + " VMs", get, "1,000 requests after 100"));

        // PUT of a new VM, acknowledged (durable), one client.
        String body = "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br0\"}]}";
        double[] put = new double[2000];
        for (int i = -100; i < put.length; i++) {
          long s = System.nanoTime();
          ok(api.send("PUT", "/v1/vms/p" + (i + 100), body));
          if (i >= 0) put[i] = (System.nanoTime() - s) / 1e6;
        }
        out.addAll(percentiles("PUT of one new VM acknowledged, one client, at " + size + " VMs", put, "2,000 requests after 100; "
            + "index, MAC and IPv4 allocated; durable (fsync) when answered"));

        // 8 clients at once.
        int clients = 8;
        int each = 500;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        var futures = new ArrayList<Future<double[]>>();
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
          int client = c;
          futures.add(pool.submit(() -> {
            double[] lat = new double[each];
            try (var own = ApiClient.unixSocket(socket)) {
              for (int i = 0; i < each; i++) {
                long s = System.nanoTime();
                ok(own.send("PUT", "/v1/vms/c" + client + "-" + i, body));
                lat[i] = (System.nanoTime() - s) / 1e6;
              }
            }
            return lat;
          }));
        }
        var all = new double[clients * each];
        for (int c = 0; c < clients; c++) System.arraycopy(futures.get(c).get(), 0, all, c * each, each);
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        out.add(new ControlPlaneBench.Result("acknowledged changes per second, 8 clients, at " + size + " VMs", all.length / seconds, "changes/s",
            "8 clients, each its own connection, 500 PUTs of new VMs each, back to back"));
        out.addAll(percentiles("PUT acknowledged with 8 clients, at " + size + " VMs", all, "the same 4,000 requests"));
        log.printf("  serve: %,.0f changes/s with 8 clients%n", all.length / seconds);

        // Acknowledged to enforced: the moment the VM's IPv4 allowlist element is committed to the
        // kernel, as the kernel's own nftables events tell (listing the set through nft costs seconds
        // at this size). An element committed before the answer arrived counts as 0.
        double[] enforced = new double[500];
        try (var events = NftEvents.open(ns)) {
          for (int i = 0; i < enforced.length; i++) {
            var seen = new java.util.concurrent.atomic.AtomicLong();
            String tap = "vm" + (n + 6101 + i); // the index the allocator gives: the lowest free
            byte[] name = (tap + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            var listener = Thread.ofPlatform().start(() -> {
              long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
              while (seen.get() == 0 && System.nanoTime() < deadline) {
                for (byte[] m : events.nextAdded("ip4_addr", java.time.Duration.ofMillis(50))) {
                  if (NftEvents.contains(m, 0, m.length, name)) seen.set(System.nanoTime());
                }
              }
            });
            var r = ok(api.send("PUT", "/v1/vms/e" + i, body));
            long acked = System.nanoTime();
            listener.join();
            String got = JSON.readTree(r.body()).at("/body/interfaces/0/tap").asText();
            if (!got.equals(tap)) throw new IllegalStateException("expected tap " + tap + ", the service allocated " + got);
            if (seen.get() == 0) throw new IllegalStateException("not enforced within 10 s: " + tap);
            enforced[i] = Math.max(0, seen.get() - acked) / 1e6;
          }
        }
        out.addAll(percentiles("acknowledged → enforced (allowlist element committed to the kernel), at " + size + " VMs", enforced,
            "500 PUTs one at a time; from the answer to the kernel's nftables event adding the element (0 when it came first)"));

        // Someone flushes the ruleset: how long the VMs are without netfence's tables, and until every
        // allowlist is back (the agent puts the tables back closed first, then the allowlists).
        long flushed = System.nanoTime();
        ns.exec("nft", "flush", "ruleset").orThrow();
        long tables = 0;
        long deadline = flushed + TimeUnit.MINUTES.toNanos(5);
        while (tables == 0 && System.nanoTime() < deadline) {
          if (ns.exec("nft", "-j", "list", "chains").stdout().contains("\"netfence\"")) tables = System.nanoTime();
        }
        long synced = 0;
        while (synced == 0 && System.nanoTime() < deadline) {
          var m = api.send("GET", "/metrics", null).body();
          if (m.contains("netfence_agent_in_sync 1.0") && m.contains("netfence_guard_restores_total 1.0")) synced = System.nanoTime();
          else Thread.sleep(20);
        }
        if (tables == 0 || synced == 0) throw new IllegalStateException("not restored within 5 minutes after flush ruleset");
        out.add(new ControlPlaneBench.Result("`flush ruleset` → netfence's tables back (closed), at " + size + " VMs", (tables - flushed) / 1e6,
            "ms", "from the flush until `nft list chains` (polled) shows them; VM ports drop everything until their allowlist is back"));
        out.add(new ControlPlaneBench.Result("`flush ruleset` → every allowlist back, at " + size + " VMs", (synced - flushed) / 1e6, "ms",
            "until /metrics says the agent is in sync again (polled every 20 ms)"));
        log.printf("  serve: tables back %.0f ms after a flush, allowlists %.0f ms%n", (tables - flushed) / 1e6, (synced - flushed) / 1e6);

        out.add(new ControlPlaneBench.Result("resident memory of `serve` holding " + String.format(Locale.ROOT, "%,d", n + 6600) + " VMs",
            rss(serve.pid()) / 1024.0, "MiB", "VmRSS of the serve process after the requests above (VmHWM " + hwm(serve.pid()) / 1024 + " MiB)"));
      } finally {
        stop(serve);
      }
    } finally {
      Exec.run(List.of("rm", "-rf", dir.toString()));
    }
    return out;
  }

  private Process serve(Netns ns, Path logFile, String... args) throws IOException {
    var cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns.name(), launcher.toString(), "serve"));
    cmd.addAll(Arrays.asList(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
  }

  /** Waits until the service answers GET /v1/status; a client for it. */
  private static ApiClient answering(Path socket, Process p) throws Exception {
    var api = ApiClient.unixSocket(socket);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (true) {
      if (!p.isAlive()) throw new IllegalStateException("serve exited with " + p.exitValue());
      try {
        if (Files.exists(socket) && api.send("GET", "/v1/status", null).status() == 200) return api;
      } catch (Exception e) {
        // not yet
      }
      if (System.nanoTime() > deadline) throw new IllegalStateException("serve did not answer within 10 minutes");
      Thread.sleep(5);
    }
  }

  private static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
  }

  private static ApiClient.Reply ok(ApiClient.Reply r) {
    if (r.status() / 100 != 2) throw new IllegalStateException("the service answered " + r.status() + ": " + r.body());
    return r;
  }

  private static List<ControlPlaneBench.Result> percentiles(String what, double[] ms, String how) {
    double[] s = ms.clone();
    Arrays.sort(s);
    return List.of(new ControlPlaneBench.Result(what + ", p50", s[s.length / 2], "ms", how),
        new ControlPlaneBench.Result(what + ", p99", s[(int) Math.ceil(s.length * 0.99) - 1], "ms", how));
  }

  private static long rss(long pid) throws IOException {
    return status(pid, "VmRSS:");
  }

  private static long hwm(long pid) throws IOException {
    return status(pid, "VmHWM:");
  }

  /** A kB figure from /proc/PID/status. */
  private static long status(long pid, String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(key)) return Long.parseLong(line.substring(key.length()).strip().split("\\s+")[0]);
    }
    return -1;
  }
}
