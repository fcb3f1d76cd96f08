package netfence.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import netfence.inventory.InventoryReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code netfence check INV}: validate and print every problem. */
@Command(name = "check", description = "Validate an inventory; print every error as FILE:LINE:COL: error: MESSAGE.")
final class CheckCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "INV", description = "the inventory (YAML)")
  Path inventory;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    var result = Inventories.load(inventory, spec.commandLine().getErr());
    if (result.isEmpty()) return Main.FAILED;
    var inv = result.get();
    spec.commandLine().getOut().printf("%s: ok: %d host(s), %d network(s), %d VM(s)%n",
        inventory, inv.hosts().size(), inv.networks().size(), inv.vms().size());
    return 0;
  }
}
