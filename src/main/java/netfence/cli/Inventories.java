package netfence.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import netfence.inventory.InventoryReader;
import netfence.model.Host;
import netfence.model.Inventory;

/** Loading an inventory for a command: diagnostics to stderr, the model when valid. */
final class Inventories {
  private Inventories() {}

  static Optional<Inventory> load(Path file, PrintWriter err) {
    var result = InventoryReader.read(file);
    result.diagnostics().forEach(err::println);
    if (!result.ok()) {
      long errors = result.diagnostics().stream().filter(d -> d.severity() == netfence.inventory.Diagnostic.Severity.ERROR).count();
      err.printf("%s: %d error(s); nothing was changed%n", file, errors);
    }
    err.flush();
    return result.inventory();
  }

  /** The named host, or a message naming the hosts there are. */
  static Optional<Host> host(Inventory inv, String name, PrintWriter err) {
    var h = inv.host(name);
    if (h.isEmpty()) {
      err.printf("netfence: host '%s' is not in the inventory (hosts: %s)%n", name,
          String.join(", ", inv.hosts().stream().map(Host::name).toList()));
    }
    return h;
  }
}
