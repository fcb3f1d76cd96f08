package netfence.api;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import netfence.state.StateService;

/**
 * The API's own metrics: requests answered by HTTP status code, and the state service's
 * revision and commit counts. Counting is a {@link LongAdder} per code; writing a scrape
 * reads counters only, never the store or the kernel.
 */
final class ApiMetrics {
  private final Map<Integer, LongAdder> byCode = new ConcurrentHashMap<>();

  void answered(int code) {
    byCode.computeIfAbsent(code, c -> new LongAdder()).increment();
  }

  /** The Prometheus text format (0.0.4) of these metrics and the state service's. */
  void write(StringBuilder out, StateService state) {
    var counts = state.counts();
    family(out, "netfence_store_revision", "gauge", "Revision of the desired state.");
    sample(out, "netfence_store_revision", "", state.revision());
    family(out, "netfence_store_changes_total", "counter", "Changes to the desired state, committed or refused by validation.");
    sample(out, "netfence_store_changes_total", "outcome=\"committed\"", counts.committed());
    sample(out, "netfence_store_changes_total", "outcome=\"rejected\"", counts.rejected());
    family(out, "netfence_store_commits_total", "counter", "Commits to the store (one fsync each; one may hold many changes).");
    sample(out, "netfence_store_commits_total", "", counts.commits());
    family(out, "netfence_api_requests_total", "counter", "API requests answered, by HTTP status code (every failure is also logged).");
    var codes = new TreeMap<Integer, Long>();
    byCode.forEach((code, n) -> codes.put(code, n.sum()));
    codes.forEach((code, n) -> sample(out, "netfence_api_requests_total", "code=\"" + code + "\"", n));
  }

  private static void family(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder out, String name, String labels, long value) {
    out.append(name);
    if (!labels.isEmpty()) out.append('{').append(labels).append('}');
    out.append(' ').append(value).append('\n');
  }
}
