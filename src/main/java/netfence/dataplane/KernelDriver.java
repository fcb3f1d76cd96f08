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
import netfence.nft.Family;
import netfence.nft.Nft;
import netfence.nft.NftCommand;
import netfence.nft.SetName;
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
    var each = changes.stream().map(c -> VmUpdate.commands(c.from(), c.to())).toList();
    var all = each.stream().flatMap(List::stream).toList();
    if (all.isEmpty() || session.run(all).ok()) return changes.stream().map(c -> Optional.<String>empty()).toList();
    var out = new ArrayList<Optional<String>>();
    for (var s : each) {
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
    var unsafe = java.util.stream.Stream.concat(add.stream(), remove.stream()).filter(n -> !SAFE_NAME.matcher(n).matches()).toList();
    if (!unsafe.isEmpty()) return Optional.of("port names nft cannot hold safely: " + unsafe + "; rename or remove them");
    var commands = new ArrayList<NftCommand>();
    if (!add.isEmpty()) commands.add(new NftCommand.AddElements(Family.BRIDGE, SetName.FOREIGN_PORTS, ports(add)));
    if (!remove.isEmpty()) {
      // add-then-delete: deleting what is not there would fail the transaction.
      commands.add(new NftCommand.AddElements(Family.BRIDGE, SetName.FOREIGN_PORTS, ports(remove)));
      commands.add(new NftCommand.DeleteElements(Family.BRIDGE, SetName.FOREIGN_PORTS, ports(remove)));
    }
    if (commands.isEmpty()) return Optional.empty();
    var r = session.run(commands);
    return r.ok() ? Optional.empty() : Optional.of(r.error().strip());
  }

  /** Port names as set elements (checked against the inventory's rule for interface names first). */
  private static List<Nft.Element> ports(List<String> names) {
    return names.stream().map(n -> Nft.Element.of(NftPolicy.ifname(n))).toList();
  }

  private static final java.util.regex.Pattern SAFE_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,15}");

  @Override
  public Synced sync(Inventory desired, String host) {
    var report = HostApply.apply(ns, session, desired, host, false);
    shape = shape().orElse(Map.of());
    return new Synced(report, foreignPorts());
  }

  /** The sets that say which ports are netfence's: enough to refuse everything from them until the rest is back. */
  private static final java.util.Set<SetName> FENCE = java.util.EnumSet.of(SetName.PORT_VERDICT, SetName.NAMED_PORTS,
      SetName.FOREIGN_PORTS, SetName.ETHERTYPE, SetName.ROUTED_TAPS, SetName.ROUTED_REACH);

  /** Elements per transaction of a restore's second phase. */
  static final int RESTORE_CHUNK = 50_000;

  @Override
  public Synced restore(Inventory desired, String host) {
    var policy = netfence.policy.HostPolicy.of(desired, host);
    var links = LinkState.read(ns);
    var foreign = LinkPlan.of(policy, links).foreignPorts();
    var tables = NftPolicy.tables(policy, foreign);
    var skeleton = tables.stream().map(t -> new Nft.Table(t.family(), t.name(), t.counters(),
        t.sets().stream().map(x -> FENCE.contains(SetName.of(x.name()).orElse(null)) ? x
            : new Nft.Set(x.name(), x.key(), x.interval(), x.data(), List.of())).toList(), t.chains())).toList();
    var first = session.run(NftCommand.replace(skeleton));
    if (!first.ok()) throw new ApplyException("restoring netfence's tables failed, nothing was changed: " + first.error().strip());
    var batch = new ArrayList<NftCommand>();
    int size = 0;
    for (var t : tables) {
      for (var x : t.sets()) {
        var name = SetName.of(x.name());
        if (name.isEmpty() || FENCE.contains(name.get()) || x.elements().isEmpty()) continue;
        for (int from = 0; from < x.elements().size(); from += RESTORE_CHUNK) {
          var part = x.elements().subList(from, Math.min(x.elements().size(), from + RESTORE_CHUNK));
          batch.add(new NftCommand.AddElements(t.family(), name.get(), part));
          size += part.size();
          if (size >= RESTORE_CHUNK) {
            run(batch);
            batch.clear();
            size = 0;
          }
        }
      }
    }
    if (!batch.isEmpty()) run(batch);
    shape = shape().orElse(Map.of());
    return new Synced(new ApplyReport(false, List.of("nft: restored " + tables.size() + " table(s)"), List.of(), "", List.of(),
        Summary.of(NftCommand.replace(tables), List.of(), 0)), new HashSet<>(foreign));
  }

  private void run(List<NftCommand> batch) {
    var r = session.run(batch);
    if (!r.ok()) throw new ApplyException("restoring netfence's allowlists failed: " + r.error().strip());
  }

  /** What foreign_ports holds (the sync fills it from the bridges as they are). */
  private Set<String> foreignPorts() {
    var r = session.json("list set bridge " + Nft.TABLE + " foreign_ports");
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
      if (live == null) return Optional.of("table " + e.getKey() + " " + Nft.TABLE + " is missing");
      if (!live.equals(e.getValue())) return Optional.of("table " + e.getKey() + " " + Nft.TABLE + " was changed (chains, rules or sets)");
    }
    return Optional.empty();
  }

  /**
   * netfence's tables by family, each as its sets and chains with their handles. Only listings
   * that stay cheap however many VMs there are: sets without their elements, and chains
   * ({@code list tables}, {@code list counters} or a chain's rules make nft load every element,
   * over a second at 10,000 VMs). A deleted rule shows in neither; the guard sees it instead,
   * because the transaction that deleted it names netfence's table.
   */
  private Optional<Map<String, String>> shape() {
    var sets = session.jsonTerse("list sets");
    var chains = session.json("list chains");
    if (!sets.ok() || !chains.ok()) return Optional.empty();
    var out = new TreeMap<String, StringBuilder>();
    try {
      for (var listing : List.of(sets.output(), chains.output())) {
        for (JsonNode item : JSON.readTree(listing).path("nftables")) {
          item.fieldNames().forEachRemaining(kind -> {
            JsonNode o = item.get(kind);
            if (!o.path("table").asText().equals(Nft.TABLE)) return;
            out.computeIfAbsent(o.path("family").asText(), k -> new StringBuilder()).append(kind).append(' ').append(o.path("name").asText())
                .append(' ').append(o.path("handle").asLong()).append('\n');
          });
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    var m = new TreeMap<String, String>();
    out.forEach((f, b) -> m.put(f, b.toString()));
    return Optional.of(m);
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
