package netfence.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code netfence compile INV --host H --out DIR}: write one host's artefacts. */
@Command(name = "compile", description = "Write a host's artefacts (nftables, networkd, libvirt, NixOS) under DIR.")
final class CompileCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "INV", description = "the inventory (YAML)")
  Path inventory;

  @Option(names = "--host", required = true, paramLabel = "H", description = "the host to compile for")
  String host;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "where to write the artefacts")
  Path out;

  @Option(names = "--systemd-version", paramLabel = "N",
      description = "systemd version the .network files are for (default: the installed one, else 252)")
  Integer systemdVersion;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    var err = spec.commandLine().getErr();
    var inv = Inventories.load(inventory, err);
    if (inv.isEmpty()) return Main.FAILED;
    if (Inventories.host(inv.get(), host, err).isEmpty()) return Main.FAILED;
    int systemd = systemdVersion != null ? systemdVersion : SystemdVersion.installed().orElse(252);
    var artefacts = netfence.render.Artefacts.of(inv.get(), host, new netfence.render.networkd.NetworkdOptions(systemd));
    artefacts.writeTo(out);
    spec.commandLine().getOut().printf("wrote %d file(s) for host %s under %s%n", artefacts.files().size(), host, out);
    return 0;
  }
}
