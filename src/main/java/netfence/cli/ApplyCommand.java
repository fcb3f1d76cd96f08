package netfence.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import netfence.dataplane.ApplyException;
import netfence.dataplane.HostApply;
import netfence.dataplane.Netns;
import netfence.dataplane.TableGuard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code netfence apply INV --host H [--dry-run] [--watch]}: make the current network namespace match the host's policy. */
@Command(name = "apply", description = {
    "Make the current network namespace match a host's policy; change only what differs.",
    "One atomic nft transaction (netfence's own tables only), bridges and their ports, addresses, routes (protocol 110)",
    "and forwarding."})
final class ApplyCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "INV", description = "the inventory (YAML)")
  Path inventory;

  @Option(names = "--host", required = true, paramLabel = "H", description = "the host to apply")
  String host;

  @Option(names = "--dry-run", description = "print what would change (every change, the nft commands and ip batch lines); change nothing")
  boolean dryRun;

  @Option(names = {"-v", "--verbose"}, description = "print every change and every note (by default: a summary by kind)")
  boolean verbose;

  @Option(names = "--watch", description = {
      "after applying, keep running: when anyone else changes nftables (a flush ruleset, a firewall restart, a hand edit),",
      "notice it from the kernel's nftables events and restore netfence's tables, logging what was restored"})
  boolean watch;

  /** Notes printed without --verbose: a few say what kind they are; thousands would bury the summary. */
  private static final int NOTES_SHOWN = 5;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    var inv = Inventories.load(inventory, err);
    if (inv.isEmpty()) return Main.FAILED;
    if (Inventories.host(inv.get(), host, err).isEmpty()) return Main.FAILED;
    try {
      var report = HostApply.apply(Netns.current(), inv.get(), host, dryRun);
      boolean all = verbose || dryRun;
      var notes = report.notes();
      int shown = all ? notes.size() : Math.min(notes.size(), NOTES_SHOWN);
      notes.subList(0, shown).forEach(n -> err.println("note: " + n));
      if (shown < notes.size()) err.printf("note: and %,d more (--verbose prints them)%n", notes.size() - shown);
      if (all) report.changes().forEach(out::println);
      else if (report.changed()) out.println(report.summary().text());
      if (dryRun && report.changed()) {
        if (!report.nftScript().isEmpty()) out.printf("%n# nft -f - would read:%n%s", report.nftScript());
        if (!report.ipBatch().isEmpty()) out.printf("%n# ip -batch - would read:%n%s%n", String.join("\n", report.ipBatch()));
      }
      out.printf("%s: %s%n", host, !report.changed() ? "no change" : (dryRun ? "dry run, nothing changed" : "applied"));
      if (watch && !dryRun) {
        out.printf("%s: watching nftables; Ctrl-C to stop%n", host);
        out.flush();
        var desired = inv.get();
        try (var guard = TableGuard.restoring(Netns.current(), () -> desired, host, line -> {
          err.println(line);
          err.flush();
        })) {
          new java.util.concurrent.CountDownLatch(1).await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return 0;
    } catch (ApplyException e) {
      out.flush();
      err.println("netfence: apply failed: " + e.getMessage());
      return Main.FAILED;
    }
  }
}
