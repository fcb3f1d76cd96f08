package netfence.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import netfence.policy.HostPolicy;
import netfence.render.nft.NftPolicy;
import netfence.nft.NftCommand;
import netfence.nft.NftScript;
import netfence.testing.Examples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  private static final String EXAMPLE = "examples/microvm-routed.yaml";

  @TempDir Path tmp;

  /** What one run of the CLI did. */
  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(exit, out.toString(), err.toString());
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(tmp.resolve(name), text);
  }

  /** Two errors at once: an undefined host and a multicast MAC. */
  private Path invalidInventory() throws IOException {
    return write("bad.yaml", """
        hosts:
          hv1: {}
        networks:
          vmnet: {mode: routed, ipv4: 10.0.0.0/24}
        vms:
          a:
            host: hv2
            index: 1
            interfaces:
              - network: vmnet
                mac: 01:00:00:00:00:01
        """);
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  @Test
  void checkOfAValidInventoryPrintsTheOkLine() {
    var r = run("check", EXAMPLE);
    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo(EXAMPLE + ": ok: 1 host(s), 1 network(s), 3 VM(s)\n");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void checkPrintsWarningsButSucceeds() throws IOException {
    Path inv = write("site-local.yaml", """
        hosts: {hv1: {}}
        networks: {vmnet: {mode: routed, ipv6: "fec0::/64"}}
        vms: {a: {host: hv1, index: 1, interfaces: [{network: vmnet}]}}
        """);
    var r = run("check", inv.toString());
    assertThat(r.exit()).isZero();
    assertThat(r.err()).startsWith(inv + ":2:40: warning: fec0::/64 is in the deprecated site-local range");
    assertThat(r.out()).isEqualTo(inv + ": ok: 1 host(s), 1 network(s), 1 VM(s)\n");
  }

  @Test
  void checkOfAnInvalidInventoryPrintsEveryErrorAndFails() throws IOException {
    Path inv = invalidInventory();
    var r = run("check", inv.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines()).containsExactly(
        inv + ":7:11: error: VM 'a' runs on undefined host 'hv2'; did you mean 'hv1'?",
        inv + ":11:14: error: MAC address 01:00:00:00:00:01 is multicast (lowest bit of the first byte set); a VM needs a unicast MAC",
        inv + ": 2 error(s); nothing was changed");
  }

  @Test
  void checkOfAMissingFileFails() {
    var r = run("check", tmp.resolve("nope.yaml").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith(tmp.resolve("nope.yaml") + ":1:1: error: cannot read: ");
  }

  @Test
  void unknownOptionIsBadUsage() {
    var r = run("check", "--frobnicate", EXAMPLE);
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option: '--frobnicate'");
  }

  @Test
  void compileWithoutHostIsBadUsage() {
    var r = run("compile", EXAMPLE, "--out", tmp.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required option: '--host=H'");
    assertThat(tmp).isEmptyDirectory();
  }

  @Test
  void noCommandIsBadUsage() {
    var r = run();
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("a command is required");
  }

  @Test
  void compileWritesTheHostsNftScript() throws IOException {
    Path out = tmp.resolve("out");
    var r = run("compile", EXAMPLE, "--host", "hv1", "--out", out.toString());
    assertThat(r.exit()).isZero();
    assertThat(r.out()).startsWith("wrote ").contains("for host hv1 under " + out);
    var inv = Examples.load(Path.of(EXAMPLE));
    assertThat(out.resolve("nftables.nft")).hasContent(NftScript.file(NftCommand.replace(NftPolicy.tables(HostPolicy.of(inv, "hv1")))));
  }

  @Test
  void compileForAHostNotInTheInventoryNamesTheHosts() {
    Path out = tmp.resolve("out");
    var r = run("compile", "examples/inventory.yaml", "--host", "hv9", "--out", out.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("netfence: host 'hv9' is not in the inventory (hosts: hv1)\n");
    assertThat(out).doesNotExist();
  }

  @Test
  void compileOfAnInvalidInventoryWritesNothing() throws IOException {
    Path inv = invalidInventory();
    Path out = Files.createDirectory(tmp.resolve("out"));
    var r = run("compile", inv.toString(), "--host", "hv1", "--out", out.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains(inv + ":7:11: error: ").endsWith(inv + ": 2 error(s); nothing was changed\n");
    assertThat(isEmpty(out)).isTrue();
  }
}
