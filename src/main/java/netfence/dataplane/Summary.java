package netfence.dataplane;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import netfence.nft.NftCommand;

/**
 * An apply's changes counted by kind, for the one line {@code apply} prints
 * by default: {@code nft: 2 tables created, 12,000 elements added; ip: 5,000
 * addresses, 10,000 routes; sysctl: 10,002 settings}. Only kinds that
 * changed are named.
 */
public record Summary(int tablesCreatedOrReplaced, int tablesDeleted, int elementsAdded, int elementsDeleted, int links, int addresses,
    int routesAdded, int routesDeleted, int sysctls) {

  static Summary of(List<NftCommand> nft, List<String> ipBatch, int sysctls) {
    int replaced = 0, deleted = 0, added = 0, removed = 0;
    for (var c : nft) {
      switch (c) {
        case NftCommand.ReplaceTable r -> replaced++;
        case NftCommand.DeleteTable d -> deleted++;
        case NftCommand.AddElements a -> added += a.elements().size();
        case NftCommand.DeleteElements d -> removed += d.elements().size();
      }
    }
    int links = 0, addresses = 0, routes = 0, routesDeleted = 0;
    // The batch lines are netfence's own (LinkPlan, RoutedPlan): the first words say the kind.
    for (String l : ipBatch) {
      if (l.startsWith("link ")) links++;
      else if (l.startsWith("address ")) addresses++;
      else if (l.startsWith("route del ")) routesDeleted++;
      else if (l.startsWith("route ")) routes++;
    }
    return new Summary(replaced, deleted, added, removed, links, addresses, routes, routesDeleted, sysctls);
  }

  /** The line, e.g. {@code nft: 1 table replaced, 3 elements added; ip: 2 routes}; empty when nothing changed. */
  public String text() {
    var parts = new ArrayList<String>();
    var nft = new ArrayList<String>();
    count(nft, tablesCreatedOrReplaced, "table", "tables", " created or replaced");
    count(nft, tablesDeleted, "table", "tables", " deleted");
    count(nft, elementsAdded, "element", "elements", " added");
    count(nft, elementsDeleted, "element", "elements", " deleted");
    if (!nft.isEmpty()) parts.add("nft: " + String.join(", ", nft));
    var ip = new ArrayList<String>();
    count(ip, links, "link change", "link changes", "");
    count(ip, addresses, "address", "addresses", "");
    count(ip, routesAdded, "route", "routes", "");
    count(ip, routesDeleted, "route", "routes", " deleted");
    if (!ip.isEmpty()) parts.add("ip: " + String.join(", ", ip));
    if (sysctls > 0) parts.add("sysctl: " + String.format(Locale.ROOT, "%,d", sysctls) + (sysctls == 1 ? " setting" : " settings"));
    return String.join("; ", parts);
  }

  private static void count(List<String> out, int n, String one, String many, String what) {
    if (n > 0) out.add(String.format(Locale.ROOT, "%,d", n) + " " + (n == 1 ? one : many) + what);
  }
}
