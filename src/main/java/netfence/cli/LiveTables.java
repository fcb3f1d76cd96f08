package netfence.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import netfence.dataplane.NftSession;
import netfence.nft.Family;
import netfence.nft.Nft;
import netfence.nft.NftJson;
import netfence.nft.SetName;
import netfence.verify.Case;
import netfence.verify.Cases;

/** netfence's tables read back from the kernel for {@code verify --live}. */
final class LiveTables {
  private LiveTables() {}

  /** netfence's own tables; other tables are named as not evaluated (they are the operator's). */
  static List<Nft.Table> read(NftSession nft, PrintWriter out) {
    var tables = new ArrayList<Nft.Table>();
    for (Family family : List.of(Family.BRIDGE, Family.INET)) {
      var r = nft.json("list table " + family.nft() + " " + Nft.TABLE);
      if (r.ok()) tables.addAll(NftJson.read(r.output()));
    }
    var all = nft.json("list tables");
    if (all.ok()) {
      for (var t : NftJson.read(all.output())) {
        if (!t.name().equals(Nft.TABLE)) out.printf("note: table %s %s is not netfence's and is not evaluated%n", t.family(), t.name());
      }
    }
    if (tables.isEmpty()) out.println("note: netfence has no table in this namespace; run netfence apply first");
    return tables;
  }

  /**
   * The rogue-port cases use a port that really is outside the inventory on a
   * guarded bridge now (from {@code @foreign_ports}); with none there, they
   * are left out and the output says so.
   */
  static List<Case> withLiveForeignPort(List<Case> cases, List<Nft.Table> tables, PrintWriter out) {
    var foreign = tables.stream().filter(t -> t.family() == Family.BRIDGE).flatMap(t -> t.set(SetName.FOREIGN_PORTS.id()).stream())
        .flatMap(s -> s.elements().stream()).map(e -> e.key().getFirst().replace("\"", "")).findFirst();
    var result = new ArrayList<Case>();
    for (var c : cases) {
      if (!c.ingress().equals(Cases.ROGUE_PORT)) {
        result.add(c);
      } else if (foreign.isPresent()) {
        result.add(new Case(c.vm() + " " + foreign.get(), c.name(), c.expect(), foreign.get(), c.path(), c.packet(), c.observer(), c.natTo()));
      }
    }
    if (foreign.isEmpty() && result.size() < cases.size()) {
      out.println("note: no port outside the inventory is on a guarded bridge now, so the rogue-port cases are not evaluated");
    }
    return result;
  }
}
