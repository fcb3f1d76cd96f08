package netfence.nft;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import netfence.dataplane.Exec;
import netfence.dataplane.Netns;
import netfence.model.Inventory;
import netfence.policy.HostPolicy;
import netfence.render.nft.NftPolicy;
import netfence.testing.Examples;
import netfence.testing.Golden;
import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The nft script of every example, against golden files and, tagged
 * {@code kernel}, loaded into a real kernel in a fresh network namespace.
 */
class NftTextTest {
  static List<Path> examples() {
    return Examples.all();
  }

  /** Every example has one host: its script is golden/&lt;example&gt;/nftables.nft. */
  private static String script(Path example) {
    Inventory inv = Examples.load(example);
    assertThat(inv.hosts()).as("hosts of %s", example).hasSize(1);
    return NftScript.file(NftCommand.replace(NftPolicy.tables(HostPolicy.of(inv, inv.hosts().getFirst().name()))));
  }

  @ParameterizedTest
  @MethodSource("examples")
  void scriptMatchesTheGoldenFile(Path example) {
    Golden.assertMatches(Examples.name(example) + "/nftables.nft", script(example));
  }

  @Test
  void scriptReplacesOnlyItsOwnTables() {
    String s = script(Path.of("examples/inventory.yaml"));
    assertThat(s.lines()).noneMatch(l -> l.startsWith("flush"));
    assertThat(s)
        .contains("table bridge netfence {}\ndelete table bridge netfence\n")
        .contains("table inet netfence {}\ndelete table inet netfence\n");
  }

  // ---- on the kernel ---------------------------------------------------------

  /** Runs nft in the namespace with the script on stdin. */
  private static Exec.Result nft(Netns ns, String script, String... options) {
    var command = new java.util.ArrayList<>(List.of("nft"));
    command.addAll(List.of(options));
    command.addAll(List.of("-f", "-"));
    return ns.exec(command, script);
  }

  @Tag("kernel")
  @ParameterizedTest
  @MethodSource("examples")
  void scriptLoadsTwiceAndLeavesForeignTablesAlone(Path example) {
    Kernel.require("nft", "ip");
    String script = script(example);
    try (var ns = Netns.create("nfck-" + Examples.name(example))) {
      nft(ns, """
          table inet userfw {
            chain c {
              type filter hook input priority 0; policy accept;
              tcp dport 22 accept
            }
          }
          """).orThrow();
      String foreign = ns.exec("nft", "-j", "list", "table", "inet", "userfw").orThrow().stdout();

      nft(ns, script, "-c").orThrow();
      nft(ns, script).orThrow();
      String first = ns.exec("nft", "list", "ruleset").orThrow().stdout();
      assertThat(first).contains("table inet userfw").containsPattern("table (bridge|inet) netfence");

      // Re-applying is one transaction that deletes and redefines netfence's tables.
      nft(ns, script).orThrow();
      assertThat(ns.exec("nft", "list", "ruleset").orThrow().stdout()).isEqualTo(first);
      assertThat(ns.exec("nft", "-j", "list", "table", "inet", "userfw").orThrow().stdout()).isEqualTo(foreign);
    }
  }

  @Tag("kernel")
  @Test
  void brokenScriptChangesNothing() {
    Kernel.require("nft", "ip");
    Path example = Path.of("examples/uncloud-bridge.yaml");
    String valid = script(example);
    // The same script with one rule that looks up a set that does not exist: nft
    // must reject the whole transaction, including the deletion of the tables.
    String broken = valid.replace("\tchain vmarp {\n", "\tchain vmarp {\n\t\tiifname @no_such_set drop\n");
    assertThat(broken).isNotEqualTo(valid);
    try (var ns = Netns.create("nfck-atomic")) {
      nft(ns, valid).orThrow();
      String before = ns.exec("nft", "-j", "list", "table", "bridge", "netfence").orThrow().stdout();

      var r = nft(ns, broken);
      assertThat(r.ok()).as("nft -f of the broken script").isFalse();
      assertThat(r.stderr()).contains("no_such_set");

      assertThat(ns.exec("nft", "-j", "list", "table", "bridge", "netfence").orThrow().stdout()).isEqualTo(before);
    }
  }
}
