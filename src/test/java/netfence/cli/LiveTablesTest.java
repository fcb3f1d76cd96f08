package netfence.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import netfence.dataplane.HostApply;
import netfence.dataplane.Netns;
import netfence.dataplane.NftSession;
import netfence.policy.HostPolicy;
import netfence.testing.Examples;
import netfence.testing.Kernel;
import netfence.verify.Cases;
import netfence.verify.Matrix;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** verify --live: the applied ruleset read back from a real kernel, then tampered with. */
@Tag("kernel")
class LiveTablesTest {
  @Test
  void theAppliedRulesetIsCleanAndATamperedOneLeaks() {
    Kernel.require("nft", "ip");
    var inv = Examples.load(Path.of("examples/uncloud-bridge.yaml"));
    var policy = HostPolicy.of(inv, "hv1");
    var text = new StringWriter();
    var out = new PrintWriter(text, true);
    try (var ns = Netns.create("nflive-test")) {
      ns.exec("ip", "link", "add", "br100", "type", "bridge").orThrow();
      ns.exec("ip", "link", "add", "rogue0", "type", "veth", "peer", "name", "rp0").orThrow();
      ns.exec("ip", "link", "set", "rogue0", "master", "br100").orThrow();
      ns.exec("nft", "add", "table", "inet", "userfw").orThrow();
      HostApply.apply(ns, inv, "hv1", false);
      try (var nft = NftSession.open(ns, out::println)) {
        var tables = LiveTables.read(nft, out);
        var cases = LiveTables.withLiveForeignPort(Cases.of(policy), tables, out);
        Matrix clean = VerifyCommand.evaluate(tables, policy, cases);
        assertThat(clean.clean()).as(clean.summary()).isTrue();
        assertThat(clean.rows()).anySatisfy(r -> assertThat(r.c().ingress()).isEqualTo("rogue0"));
        assertThat(text.toString()).contains("table inet userfw is not netfence's");

        // A router advertisement from a VM's own link-local meets its drop in ok6, the fast path.
        String handle = ns.exec("nft", "-a", "list", "chain", "bridge", "netfence", "ok6").orThrow().stdout().lines()
            .filter(l -> l.contains("jump drop_ra")).findFirst().orElseThrow().replaceAll(".*handle ", "").strip();
        ns.exec("nft", "delete", "rule", "bridge", "netfence", "ok6", "handle", handle).orThrow();
        Matrix tampered = VerifyCommand.evaluate(LiveTables.read(nft, out), policy, cases);
        assertThat(tampered.rows()).filteredOn(r -> r.status() == Matrix.Status.LEAK)
            .isNotEmpty()
            .allSatisfy(r -> assertThat(r.c().name()).startsWith("router advertisement"));
      }
    }
  }
}
