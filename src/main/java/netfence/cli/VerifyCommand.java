package netfence.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import netfence.dataplane.Netns;
import netfence.dataplane.NftSession;
import netfence.policy.HostPolicy;
import netfence.nft.Nft;
import netfence.nft.NftJson;
import netfence.verify.Case;
import netfence.render.nft.NftPolicy;
import netfence.verify.Cases;
import netfence.verify.Evaluator;
import netfence.verify.Matrix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code netfence verify INV --host H [--live]}: evaluate the attack matrix offline. */
@Command(name = "verify",
    description = "Evaluate attack and legitimate packets against the compiled (or, with --live, the kernel's) ruleset; "
        + "print the matrix; exit 1 on any leak or false drop.")
final class VerifyCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "INV", description = "the inventory (YAML)")
  Path inventory;

  @Option(names = "--host", required = true, paramLabel = "H", description = "the host to verify")
  String host;

  @Option(names = "--live", description = "evaluate netfence's tables as the kernel of this network namespace has them (nft -j)")
  boolean live;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    var err = spec.commandLine().getErr();
    var out = spec.commandLine().getOut();
    var inv = Inventories.load(inventory, err);
    if (inv.isEmpty() || Inventories.host(inv.get(), host, err).isEmpty()) return Main.FAILED;
    var policy = HostPolicy.of(inv.get(), host);
    List<Nft.Table> tables;
    var cases = Cases.of(policy);
    if (!live) {
      // As apply would find it: a port on each bridge that the inventory does not name.
      tables = NftPolicy.tables(policy, List.of(Cases.ROGUE_PORT));
      out.printf("verify %s, host %s: the compiled policy, with a foreign port %s on each bridge%n", inventory, host, Cases.ROGUE_PORT);
    } else {
      try (var nft = NftSession.open(Netns.current(), err::println)) {
        tables = LiveTables.read(nft, out);
      } catch (NftJson.NotRepresentable e) {
        err.println("netfence: the live ruleset holds something the evaluator cannot represent, so it will not guess: " + e.getMessage());
        return Main.FAILED;
      }
      cases = LiveTables.withLiveForeignPort(cases, tables, out);
      out.printf("verify %s, host %s: netfence's tables as the kernel has them now%n", inventory, host);
    }
    var matrix = evaluate(tables, policy, cases);
    matrix.print(out);
    return matrix.clean() ? 0 : Main.FAILED;
  }

  static Matrix evaluate(List<Nft.Table> tables, HostPolicy policy, List<Case> cases) {
    var evaluator = new Evaluator(tables, policy);
    var matrix = new Matrix();
    for (var c : cases) {
      var d = evaluator.evaluate(c);
      matrix.add(new Matrix.Row(c, d.accepted(), d.decidedBy()));
    }
    return matrix;
  }
}
