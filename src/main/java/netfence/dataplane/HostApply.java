package netfence.dataplane;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import netfence.model.Inventory;
import netfence.policy.HostPolicy;
import netfence.nft.Family;
import netfence.nft.Nft;
import netfence.render.nft.NftPolicy;

/**
 * {@code netfence apply}: makes a network namespace match one host's policy,
 * from what it reads back, so that a second apply with nothing new changes
 * nothing in the kernel.
 *
 * <ol>
 *   <li>Read: links ({@code ip -j -d link}), netfence's nft tables ({@code nft -j list table}),
 *       addresses and routes ({@code ip -j addr|route}), sysctls ({@code sysctl -n}).
 *   <li>Plan: the ports on guarded bridges that the inventory does not know become
 *       {@code foreign_ports}; the desired tables are compared with the live ones
 *       ({@link TableDiff}); only missing links, addresses and routes are planned.
 *   <li>Write, filter first: one atomic {@code nft -f} transaction (if it fails, nothing
 *       at all has changed), then one {@code ip -batch}, then one {@code sysctl -w}. So a
 *       tap is attached and forwarding switched on only once its filter is in place.
 * </ol>
 *
 * <pre>{@code
 * ApplyReport r = HostApply.apply(Netns.current(), inventory, "hv1", false);
 * r.changes().forEach(System.out::println);
 * }</pre>
 */
public final class HostApply {
  private HostApply() {}

  /** Test seams: rewrite the desired tables; run something between reading and writing. */
  record Seams(UnaryOperator<List<Nft.Table>> desired, Runnable beforeWrite) {
    static final Seams NONE = new Seams(t -> t, () -> {});
  }

  /**
   * Applies {@code host}'s policy from {@code inv} in {@code ns}; with {@code dryRun} only
   * reports. Throws {@link ApplyException} when reading or writing fails; a failed nft
   * transaction leaves everything as it was.
   */
  public static ApplyReport apply(Netns ns, Inventory inv, String host, boolean dryRun) {
    try (NftSession nft = NftSession.open(ns, System.err::println)) {
      return apply(ns, nft, inv, host, dryRun);
    }
  }

  /** The same, through an open nft session (in-process libnftables where available), as the guard and agent keep one. */
  public static ApplyReport apply(Netns ns, NftSession session, Inventory inv, String host, boolean dryRun) {
    return apply(ns, session, inv, host, dryRun, Seams.NONE);
  }

  static ApplyReport apply(Netns ns, Inventory inv, String host, boolean dryRun, Seams seams) {
    try (NftSession nft = NftSession.open(ns, System.err::println)) {
      return apply(ns, nft, inv, host, dryRun, seams);
    }
  }

  static ApplyReport apply(Netns ns, NftSession session, Inventory inv, String host, boolean dryRun, Seams seams) {
    // The reads are independent processes (and the nft session's own thread): run them at once.
    // Every plan indexes what it read by key, so the whole apply is linear in the inventory.
    try (var reads = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<LinkState> linksRead = reads.submit(() -> LinkState.read(ns));
      Future<RouteState> routesRead = reads.submit(() -> RouteState.read(ns));
      Future<Map<Family, NftState.Live>> nftRead = reads.submit(() -> NftState.read(session));
      HostPolicy policy = HostPolicy.of(inv, host);
      LinkState links = get(linksRead);
      Future<Sysctls> sysctlsRead = reads.submit(() -> Sysctls.plan(ns, policy, links));
      LinkPlan linkPlan = LinkPlan.of(policy, links);
      List<Nft.Table> desired = seams.desired().apply(NftPolicy.tables(policy, linkPlan.foreignPorts()));
      NftPlan nft = NftPlan.of(desired, get(nftRead));
      RoutedPlan routed = RoutedPlan.of(policy, links, get(routesRead));
      return write(ns, session, dryRun, seams, policy, links, linkPlan, nft, routed, get(sysctlsRead));
    }
  }

  /** A read's result; its {@link ApplyException} as itself. */
  private static <T> T get(Future<T> f) {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw new ApplyException("reading the namespace failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApplyException("interrupted while reading the namespace");
    }
  }

  private static ApplyReport write(Netns ns, NftSession session, boolean dryRun, Seams seams, HostPolicy policy, LinkState links,
      LinkPlan linkPlan, NftPlan nft, RoutedPlan routed, Sysctls sysctls) {

    var batch = new ArrayList<String>(linkPlan.batch());
    batch.addAll(routed.batch());
    var changes = new ArrayList<String>(nft.changes());
    batch.forEach(l -> changes.add("ip: " + l));
    sysctls.writes().forEach((k, v) -> changes.add("sysctl: " + k + "=" + v));
    var notes = new ArrayList<String>(sysctls.notes());
    missingPorts(policy, links, notes);

    if (!dryRun) {
      seams.beforeWrite().run();
      if (!nft.empty()) {
        var r = session.run(nft.commands());
        if (!r.ok()) throw new ApplyException("nft transaction failed, nothing was changed: " + r.error().strip());
      }
      if (!batch.isEmpty()) {
        var r = ns.exec(List.of("ip", "-batch", "-"), String.join("\n", batch) + "\n");
        if (!r.ok()) {
          throw new ApplyException("ip -batch failed (the nft tables are in place; the next apply continues): "
              + r.stderr().strip());
        }
      }
      sysctls.write(ns);
    }
    return new ApplyReport(dryRun, changes, notes, nft.script(), batch, Summary.of(nft.commands(), batch, sysctls.writes().size()));
  }

  private static void missingPorts(HostPolicy policy, LinkState links, List<String> notes) {
    for (var p : policy.ports()) {
      if (!links.exists(p.tap())) notes.add("tap " + p.tap() + " of " + p.vm() + " does not exist yet; it is filtered as soon as it does");
    }
  }
}
