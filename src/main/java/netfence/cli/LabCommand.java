package netfence.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import netfence.lab.Lab;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code netfence lab INV}: build the inventory's hosts as namespaces, send real packets, print the matrix. */
@Command(name = "lab", description = {
    "Send real attack and legitimate frames through the inventory built as network namespaces; print the matrix.",
    "Builds every host and its VMs as namespaces (nfl-*), applies netfence, captures what gets through and tears",
    "everything down. Needs root. Exit 1 on any leak or false drop."})
final class LabCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "INV", description = "the inventory (YAML)")
  Path inventory;

  @Option(names = "--without-ruleset",
      description = "negative control: leave netfence's nft tables out, so the attacks must show up as leaks")
  boolean withoutRuleset;

  @Override
  public Integer call() throws Exception {
    var err = spec.commandLine().getErr();
    var inv = Inventories.load(inventory, err);
    if (inv.isEmpty()) return Main.FAILED;
    if (!"root".equals(System.getProperty("user.name"))) {
      err.println("netfence: lab needs root (it creates network namespaces)");
      return Main.FAILED;
    }
    var summary = Lab.run(inv.get(), new Lab.Options(withoutRuleset), spec.commandLine().getOut());
    return summary.clean() ? 0 : Main.FAILED;
  }
}
