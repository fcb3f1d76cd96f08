package netfence.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import netfence.dataplane.Netns;
import netfence.dataplane.NftSession;
import netfence.render.nft.NftPolicy;

/**
 * netfence's drop counts, read from the kernel on a period by a session of
 * their own (never the writer's), the named counters with one netlink dump, so that a scrape or a status request reads
 * the last snapshot and costs nothing in the kernel, however many scrapers
 * there are: per reason from the named counters, per VM interface from the
 * counted sets the drop path fills.
 */
final class DropCounts implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One count: a table family, a reason, and the tap for per-VM counts. */
  record Count(String family, String reason, Optional<String> tap, long packets) {}

  /** What one read found, and when (System.nanoTime). */
  record Snapshot(List<Count> counts, long readAt, boolean ok) {
    static final Snapshot NONE = new Snapshot(List.of(), 0, false);

    /** Per tap, per reason. */
    Map<String, Map<String, Long>> byTap() {
      var m = new HashMap<String, Map<String, Long>>();
      for (var c : counts) c.tap().ifPresent(t -> m.computeIfAbsent(t, k -> new TreeMap<>()).merge(c.reason(), c.packets(), Long::sum));
      return m;
    }
  }

  private final NftSession session;
  private final netfence.dataplane.NftCounters counters;
  private final ScheduledExecutorService thread;
  private final Consumer<String> log;
  private volatile Snapshot last = Snapshot.NONE;
  private volatile boolean warned;

  DropCounts(Netns ns, Duration period, Consumer<String> log) {
    this.session = NftSession.open(ns, log);
    this.counters = netfence.dataplane.NftCounters.open(ns);
    this.log = log;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("netfence-counts").daemon().unstarted(r));
    thread.scheduleWithFixedDelay(this::read, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The last snapshot. */
  Snapshot last() {
    return last;
  }

  /** Reads now, on the caller's thread (tests, and status right after a change). */
  Snapshot readNow() {
    try {
      return thread.submit(() -> {
        read();
        return last;
      }).get();
    } catch (Exception e) {
      return last;
    }
  }

  private void read() {
    var out = new ArrayList<Count>();
    var families = new java.util.LinkedHashSet<String>();
    boolean ok = true;
    try {
      // Straight from the kernel: nft's own listing of counters loads every set element first.
      for (var c : counters.read(netfence.nft.Nft.TABLE)) {
        families.add(c.family());
        out.add(new Count(c.family(), c.name(), Optional.empty(), c.packets()));
      }
      for (String family : families) {
        for (var reason : NftPolicy.vmReasons(netfence.nft.Family.of(family))) {
          for (JsonNode set : list("list set " + family + " " + netfence.nft.Nft.TABLE + " " + netfence.nft.SetName.counted(reason).id(), "set")) {
            for (JsonNode e : set.path("elem")) {
              JsonNode elem = e.path("elem");
              out.add(new Count(family, reason.id(), Optional.of(elem.path("val").asText()), elem.path("counter").path("packets").asLong()));
            }
          }
        }
      }
      warned = false;
    } catch (IOException | IllegalStateException e) {
      ok = false;
      if (!warned) log.accept("netfence: reading drop counters failed: " + e.getMessage());
      warned = true;
    }
    last = new Snapshot(List.copyOf(out), System.nanoTime(), ok);
  }

  private List<JsonNode> list(String command, String kind) throws IOException {
    var r = session.json(command);
    if (!r.ok()) throw new IOException(command + ": " + r.error().strip());
    var out = new ArrayList<JsonNode>();
    for (JsonNode n : JSON.readTree(r.output()).path("nftables")) if (n.has(kind)) out.add(n.get(kind));
    return out;
  }

  @Override
  public void close() {
    thread.shutdownNow();
    session.close();
    counters.close();
  }
}
