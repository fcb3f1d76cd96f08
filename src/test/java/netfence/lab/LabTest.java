package netfence.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import netfence.dataplane.Exec;
import netfence.policy.HostPolicy;
import netfence.testing.Examples;
import netfence.testing.Kernel;
import netfence.verify.Case;
import netfence.verify.Cases;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Tag("kernel")
class LabTest {
  @BeforeEach
  void kernel() {
    Kernel.require("ip", "nft", "python3");
  }

  @ParameterizedTest
  @MethodSource("netfence.testing.Examples#all")
  void withoutNetfencesRulesetEveryAttackIsSeenAsALeak(Path example) throws Exception {
    // The negative control: the lab can see a leak at all, for every attack it sends. NAT is
    // netfence's too: without it the VM's private source reaches the internet, also a leak.
    var inv = Examples.load(example);
    var cases = inv.hosts().stream().flatMap(h -> Cases.of(HostPolicy.of(inv, h.name())).stream()).toList();
    long attacks = cases.stream().filter(c -> c.expect() == Case.Expect.BLOCK).count();
    long natted = cases.stream().filter(c -> c.natTo().isPresent()).count();
    var out = new StringWriter();
    var summary = Lab.run(inv, new Lab.Options(true), new PrintWriter(out));
    assertThat(attacks).isPositive();
    assertThat(summary.leaks()).as(out.toString()).isEqualTo(attacks + natted);
    assertThat(summary.falseDrops()).as(out.toString()).isZero();
    assertThat(Sandbox.labNamespaces()).isEmpty();
  }

  @Test
  void leftoversOfAnInterruptedRunAreDeletedAndNothingIsLeftBehind() throws Exception {
    Exec.run(List.of("ip", "netns", "add", "nfl-h0p3")).orThrow();
    Path file = Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "nfl-lab-", ".py");
    var inv = Examples.load(Path.of("examples/uncloud-bridge.yaml"));
    var out = new StringWriter();
    var summary = Lab.run(inv, Lab.Options.STANDARD, new PrintWriter(out));
    assertThat(summary.clean()).as(out.toString()).isTrue();
    assertThat(Sandbox.labNamespaces()).isEmpty();
    assertThat(file).doesNotExist();
    try (var s = Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")), "nfl-*")) {
      assertThat(s).isEmpty();
    }
  }
}
