package netfence.agent;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The agent's metrics and their one writer (Prometheus text format). Drop
 * counts come from {@link DropCounts}' last snapshot and interface states from
 * the agent's status map, so a scrape never reaches into the kernel: its cost
 * does not grow with the VMs or with the number of scrapers. JVM and process
 * metrics come with it.
 */
final class AgentMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();

  final Histogram tapConfigure = Histogram.builder().name("netfence_tap_configure_seconds")
      .help("From a tap's link event to its tap configured.").classicOnly().classicUpperBounds(BOUNDS).register(registry);
  final Histogram changeApply = Histogram.builder().name("netfence_change_apply_seconds")
      .help("From a desired-state change reaching the agent to its element changes and tap setups done.").classicOnly()
      .classicUpperBounds(BOUNDS).register(registry);
  final Histogram fullSync = Histogram.builder().name("netfence_full_apply_seconds")
      .help("Full read-back syncs of the namespace.").classicOnly().classicUpperBounds(BOUNDS).register(registry);
  final Counter driverErrors = Counter.builder().name("netfence_driver_errors_total")
      .help("Failed nft transactions, ip batches, sysctl writes and syncs.").labelNames("action").register(registry);
  final Counter foreignAdded = Counter.builder().name("netfence_foreign_ports_added_total")
      .help("Ports not in the inventory put into foreign_ports on their link event.").register(registry);
  final Counter guardRestores = Counter.builder().name("netfence_guard_restores_total")
      .help("Times netfence's tables were found missing or changed by someone else and restored.").register(registry);
  final Counter guardSignals = Counter.builder().name("netfence_guard_signals_total")
      .help("nftables commits by others, and losses of nftables events, that made the agent check its tables.").register(registry);

  private static final double[] BOUNDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  AgentMetrics(Supplier<DropCounts.Snapshot> drops, Supplier<java.util.Collection<Agent.VmStatus>> status, Supplier<Long> applied,
      Supplier<Boolean> inSync, Supplier<Long> lastSyncMillis) {
    Info.builder().name("netfence_build_info").help("netfence's version.").labelNames("version").register(registry)
        .setLabelValues(version());
    CounterWithCallback.builder().name("netfence_drops_total").help("Packets dropped by netfence, per table family and reason.")
        .labelNames("family", "reason").callback(cb -> {
          for (var c : drops.get().counts()) if (c.tap().isEmpty()) cb.call(c.packets(), c.family(), c.reason());
        }).register(registry);
    CounterWithCallback.builder().name("netfence_vm_drops_total").help("Packets dropped by netfence, per VM interface and reason.")
        .labelNames("vm", "tap", "reason").callback(cb -> {
          var vms = new HashMap<String, String>();
          for (var s : status.get()) vms.put(s.tap(), s.vm());
          for (var c : drops.get().counts()) c.tap().ifPresent(t -> cb.call(c.packets(), vms.getOrDefault(t, ""), t, c.reason()));
        }).register(registry);
    GaugeWithCallback.builder().name("netfence_vm_interfaces").help("VM interfaces of this host per state.").labelNames("state")
        .callback(cb -> {
          var counts = new java.util.EnumMap<Agent.State, Integer>(Agent.State.class);
          for (var st : Agent.State.values()) counts.put(st, 0);
          for (var s : status.get()) counts.merge(s.state(), 1, Integer::sum);
          counts.forEach((st, n) -> cb.call(n, st.name().toLowerCase(Locale.ROOT)));
        }).register(registry);
    GaugeWithCallback.builder().name("netfence_agent_applied_revision").help("The revision of the desired state the agent has acted on.")
        .callback(cb -> cb.call(applied.get())).register(registry);
    GaugeWithCallback.builder().name("netfence_agent_in_sync")
        .help("1 when every desired interface is enforced as far as the agent knows (none syncing or failed), else 0.")
        .callback(cb -> cb.call(inSync.get() ? 1 : 0)).register(registry);
    GaugeWithCallback.builder().name("netfence_last_reconcile_timestamp_seconds")
        .help("When the last successful full sync of the namespace finished (Unix time); 0 before the first.")
        .callback(cb -> cb.call(lastSyncMillis.get() / 1000.0)).register(registry);
    GaugeWithCallback.builder().name("netfence_drop_counts_age_seconds").help("How old the drop counts shown are.")
        .callback(cb -> {
          long at = drops.get().readAt();
          cb.call(at == 0 ? -1 : (System.nanoTime() - at) / 1e9);
        }).register(registry);
    JvmMetrics.builder().register(registry);
  }

  /** netfence's version, from the jar's manifest; "dev" when run from classes. */
  static String version() {
    String v = AgentMetrics.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Every metric in the Prometheus text format (version 0.0.4). */
  String text() {
    var out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  static void observeNanos(Histogram h, long nanos) {
    h.observe(nanos / 1e9);
  }
}
