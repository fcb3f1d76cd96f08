package netfence.dataplane;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import netfence.render.nft.Nft;
import netfence.render.nft.NftPolicy;
import netfence.render.nft.NftText;

/**
 * The one nft transaction that makes netfence's live tables the desired
 * ones: nothing when they are equal; {@code add element}/{@code delete
 * element} commands when only elements differ; the whole table replaced
 * (create if missing, delete, define) when its structure differs or it is
 * missing; and {@code delete table} for a netfence table no longer needed.
 * Other tables are never named.
 */
record NftPlan(String script, List<String> changes) {
  NftPlan {
    changes = List.copyOf(changes);
  }

  boolean empty() {
    return script.isEmpty();
  }

  static NftPlan of(List<Nft.Table> desired, Map<String, NftState.Live> live) {
    var changes = new ArrayList<String>();
    var replace = new ArrayList<Nft.Table>();
    var commands = new StringBuilder();
    for (Nft.Table t : desired) {
      NftState.Live l = live.getOrDefault(t.family(), new NftState.Live(java.util.Optional.empty(), java.util.Optional.empty()));
      TableDiff.Outcome outcome = l.unreadable().isPresent()
          ? new TableDiff.Replace("live table not understood: " + l.unreadable().get())
          : TableDiff.of(t, l.table());
      String table = t.family() + " " + t.name();
      switch (outcome) {
        case TableDiff.Same s -> {}
        case TableDiff.Replace r -> {
          replace.add(t);
          changes.add(r.reason().equals("table missing")
              ? "nft: create table " + table
              : "nft: replace table " + table + " (" + r.reason() + ")");
        }
        case TableDiff.Elements e -> {
          elements(commands, changes, "delete", table, e.deletes());
          elements(commands, changes, "add", table, e.adds());
        }
      }
    }
    var wanted = desired.stream().map(Nft.Table::family).collect(Collectors.toSet());
    for (String family : live.keySet()) {
      if (!wanted.contains(family)) {
        commands.append("delete table ").append(family).append(' ').append(NftPolicy.TABLE).append('\n');
        changes.add("nft: delete table " + family + " " + NftPolicy.TABLE + " (this host no longer needs it)");
      }
    }
    String script = (replace.isEmpty() ? "" : NftText.script(replace)) + commands;
    return new NftPlan(script, changes);
  }

  /** One command per set, one change line per element. */
  private static void elements(StringBuilder commands, List<String> changes, String verb, String table,
      List<TableDiff.ElementChange> list) {
    var bySet = new LinkedHashMap<String, List<String>>();
    for (var c : list) {
      String e = NftText.element(c.element());
      bySet.computeIfAbsent(c.set(), k -> new ArrayList<>()).add(e);
      changes.add("nft: " + verb + " element " + table + " " + c.set() + " { " + e + " }");
    }
    bySet.forEach((set, elems) ->
        commands.append(verb).append(" element ").append(table).append(' ').append(set)
            .append(" { ").append(String.join(", ", elems)).append(" }\n"));
  }
}
