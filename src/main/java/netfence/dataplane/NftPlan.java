package netfence.dataplane;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import netfence.nft.Family;
import netfence.nft.Nft;
import netfence.nft.NftCommand;
import netfence.nft.NftScript;
import netfence.nft.NftText;
import netfence.nft.SetName;

/**
 * The one nft transaction that makes netfence's live tables the desired
 * ones: nothing when they are equal; element commands when only elements
 * differ; the whole table replaced (create if missing, delete, define) when
 * its structure differs or it is missing; and the table deleted when no
 * longer needed. Other tables are never named.
 */
record NftPlan(List<NftCommand> commands, List<String> changes) {
  NftPlan {
    commands = List.copyOf(commands);
    changes = List.copyOf(changes);
  }

  boolean empty() {
    return commands.isEmpty();
  }

  /** The transaction as one nft script. */
  String script() {
    return NftScript.write(commands);
  }

  static NftPlan of(List<Nft.Table> desired, Map<Family, NftState.Live> live) {
    var changes = new ArrayList<String>();
    var commands = new ArrayList<NftCommand>();
    for (Nft.Table t : desired) {
      NftState.Live l = live.getOrDefault(t.family(), new NftState.Live(java.util.Optional.empty(), java.util.Optional.empty()));
      TableDiff.Outcome outcome = l.unreadable().isPresent()
          ? new TableDiff.Replace("live table not understood: " + l.unreadable().get())
          : TableDiff.of(t, l.table());
      String table = t.family().nft() + " " + t.name();
      switch (outcome) {
        case TableDiff.Same s -> {}
        case TableDiff.Replace r -> {
          commands.add(new NftCommand.ReplaceTable(t));
          changes.add(r.reason().equals("table missing")
              ? "nft: create table " + table
              : "nft: replace table " + table + " (" + r.reason() + ")");
        }
        case TableDiff.Elements e -> {
          elements(commands, changes, false, t.family(), e.deletes());
          elements(commands, changes, true, t.family(), e.adds());
        }
      }
    }
    var wanted = desired.stream().map(Nft.Table::family).collect(Collectors.toSet());
    for (Family family : live.keySet()) {
      if (!wanted.contains(family)) {
        commands.add(new NftCommand.DeleteTable(family));
        changes.add("nft: delete table " + family.nft() + " " + Nft.TABLE + " (this host no longer needs it)");
      }
    }
    return new NftPlan(commands, changes);
  }

  /** One command per set, one change line per element. */
  private static void elements(List<NftCommand> commands, List<String> changes, boolean add, Family family,
      List<TableDiff.ElementChange> list) {
    var bySet = new LinkedHashMap<SetName, List<Nft.Element>>();
    String verb = add ? "add" : "delete";
    for (var c : list) {
      SetName set = SetName.of(c.set()).orElseThrow(() -> new ApplyException("set " + c.set() + " is not netfence's"));
      bySet.computeIfAbsent(set, k -> new ArrayList<>()).add(c.element());
      changes.add("nft: " + verb + " element " + family.nft() + " " + Nft.TABLE + " " + c.set() + " { " + NftText.element(c.element()) + " }");
    }
    bySet.forEach((set, elems) -> commands.add(add
        ? new NftCommand.AddElements(family, set, elems)
        : new NftCommand.DeleteElements(family, set, elems)));
  }
}
