package netfence.dataplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import netfence.model.Inventory;
import netfence.policy.Port;
import netfence.render.nft.NftPolicy;

/** The {@link Driver} of a real namespace: one in-process nft session, {@code ip} and {@code sysctl}. */
final class KernelDriver implements Driver {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Netns ns;
  private final NftSession session;
  /** The shape of netfence's tables as the last sync left them (tables, sets, chains, rules with handles); null before. */
  private Map<String, String> shape;

  KernelDriver(Netns ns, Consumer<String> log) {
    this.ns = ns;
    this.session = NftSession.open(ns, log);
  }

  @Override
  public List<Optional<String>> elements(List<ElementChange> changes) {
    var scripts = changes.stream().map(c -> VmUpdate.commands(c.from(), c.to())).toList();
    String all = String.join("", scripts);
    if (all.isEmpty() || session.run(all).ok()) return changes.stream().map(c -> Optional.<String>empty()).toList();
    var out = new ArrayList<Optional<String>>();
    for (String s : scripts) {
      var r = s.isEmpty() ? new NftSession.Result(true, "", "") : session.run(s);
      out.add(r.ok() ? Optional.empty() : Optional.of(r.error().strip()));
    }
    return out;
  }

  @Override
  public Map<String, String> configure(List<Port> ports) {
    return TapSetup.runAll(ns, ports.stream().map(TapSetup::of).toList());
  }

  @Override
  public void removeRoutes(List<Port> ports) {
    var cmds = ports.stream().flatMap(p -> TapSetup.routesRemoved(p).stream()).toList();
    // A route already gone (the tap was re-created) is fine: -force goes on.
    if (!cmds.isEmpty()) ns.exec(List.of("ip", "-force", "-batch", "-"), String.join("\n", cmds) + "\n");
  }

  @Override
  public Optional<String> foreign(List<String> add, List<String> remove) {
    var b = new StringBuilder();
    String set = "bridge " + NftPolicy.TABLE + " foreign_ports";
    if (!add.isEmpty()) b.append("add element ").append(set).append(" { ").append(quoted(add)).append(" }\n");
    if (!remove.isEmpty()) {
      // add-then-delete: deleting what is not there would fail the transaction.
      b.append("add element ").append(set).append(" { ").append(quoted(remove)).append(" }\n");
      b.append("delete element ").append(set).append(" { ").append(quoted(remove)).append(" }\n");
    }
    if (b.isEmpty()) return Optional.empty();
    var r = session.run(b.toString());
    return r.ok() ? Optional.empty() : Optional.of(r.error().strip());
  }

  private static String quoted(List<String> names) {
    return String.join(", ", names.stream().map(NftPolicy::ifname).toList());
  }

  @Override
  public Synced sync(Inventory desired, String host) {
    var report = HostApply.apply(ns, session, desired, host, false);
    shape = shape().orElse(Map.of());
    return new Synced(report, foreignPorts());
  }

  /** What foreign_ports holds (the sync fills it from the bridges as they are). */
  private Set<String> foreignPorts() {
    var r = session.json("list set bridge " + NftPolicy.TABLE + " foreign_ports");
    var out = new HashSet<String>();
    if (!r.ok()) return out; // no bridge table on this host
    try {
      for (JsonNode n : JSON.readTree(r.output()).path("nftables")) {
        for (JsonNode e : n.path("set").path("elem")) out.add(e.asText());
      }
    } catch (IOException e) {
      throw new ApplyException("nft -j list set foreign_ports: not JSON: " + e.getMessage());
    }
    return out;
  }

  @Override
  public Optional<String> check() {
    if (shape == null) return Optional.empty();
    Optional<Map<String, String>> now;
    try {
      now = shape();
    } catch (ApplyException e) {
      return Optional.of(e.getMessage());
    }
    if (now.isEmpty()) return Optional.of("cannot read netfence's tables");
    for (var e : shape.entrySet()) {
      String live = now.get().get(e.getKey());
      if (live == null) return Optional.of("table " + e.getKey() + " " + NftPolicy.TABLE + " is missing");
      if (!live.equals(e.getValue())) return Optional.of("table " + e.getKey() + " " + NftPolicy.TABLE + " was changed (chains, rules or sets)");
    }
    return Optional.empty();
  }

  /**
   * netfence's tables by family, each as the list of its objects' kinds, names and handles
   * (terse: without set elements, so its cost does not grow with the VMs).
   */
  private Optional<Map<String, String>> shape() {
    var tables = session.json("list tables");
    if (!tables.ok()) return Optional.empty();
    var out = new TreeMap<String, String>();
    try {
      for (JsonNode t : JSON.readTree(tables.output()).path("nftables")) {
        JsonNode table = t.get("table");
        if (table == null || !table.path("name").asText().equals(NftPolicy.TABLE)) continue;
        String family = table.path("family").asText();
        var r = session.jsonTerse("list table " + family + " " + NftPolicy.TABLE);
        if (!r.ok()) return Optional.empty();
        var b = new StringBuilder();
        for (JsonNode item : JSON.readTree(r.output()).path("nftables")) {
          item.fieldNames().forEachRemaining(kind -> {
            if (kind.equals("metainfo")) return;
            JsonNode o = item.get(kind);
            b.append(kind).append(' ').append(o.path("chain").asText("")).append(' ').append(o.path("name").asText(""))
                .append(' ').append(o.path("handle").asLong()).append('\n');
          });
        }
        out.put(family, b.toString());
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.of(out);
  }

  @Override
  public Set<Long> committers() {
    var s = new HashSet<Long>();
    session.committer().ifPresent(s::add);
    return s;
  }

  @Override
  public void close() {
    session.close();
  }
}
