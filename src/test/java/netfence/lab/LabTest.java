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
import netfence.verify.Matrix;
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
    assertThat(summary.count(netfence.verify.Matrix.Status.LEAK)).as(out.toString()).isEqualTo(attacks + natted);
    assertThat(summary.count(netfence.verify.Matrix.Status.FALSE_DROP)).as(out.toString()).isZero();
    assertThat(Sandbox.labNamespaces()).isEmpty();
  }

  /**
   * Issue: verify and lab must agree case by case. The lab's real packets and the
   * offline evaluation of the compiled policy (with the rogue ports apply finds) give
   * the same verdict for every case of every example.
   */
  @ParameterizedTest
  @MethodSource("netfence.testing.Examples#all")
  void verifyAndLabAgreeCaseByCase(Path example) throws Exception {
    var inv = Examples.load(example);
    var out = new StringWriter();
    var lab = Lab.run(inv, Lab.Options.STANDARD, new PrintWriter(out));
    var offline = new java.util.ArrayList<Boolean>();
    for (var h : inv.hosts()) {
      var policy = HostPolicy.of(inv, h.name());
      var evaluator = new netfence.verify.Evaluator(netfence.render.nft.NftPolicy.tables(policy, Cases.roguePorts(policy)), policy);
      for (var c : Cases.of(policy)) offline.add(evaluator.evaluate(c).accepted());
    }
    assertThat(lab.rows()).hasSize(offline.size());
    for (int i = 0; i < offline.size(); i++) {
      var row = lab.rows().get(i);
      assertThat(row.passed()).as("%s / %s: lab saw %s, verify says %s", row.c().vm(), row.c().name(),
          row.passed() ? "passed" : "blocked", offline.get(i) ? "passed" : "blocked").isEqualTo(offline.get(i));
    }
  }

  /**
   * Issue: fail closed without an agent. After apply, with nothing running, a port is plugged
   * into each guarded bridge and a tap no inventory names (rp_filter 0) sends to a routed VM,
   * also with another routed VM's source: real frames, none arrives. The trusted interface the
   * inventory declares still reaches the VM.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"examples/uncloud-bridge.yaml", "examples/microvm-routed.yaml"})
  void portsAndTapsOutsideTheInventoryReachNoVmWithoutAnAgent(String example) throws Exception {
    var out = new StringWriter();
    var lab = Lab.run(Examples.load(Path.of(example)), Lab.Options.STANDARD, new PrintWriter(out));
    var strangers = lab.rows().stream().filter(r -> r.c().vm().equals("late port") || r.c().vm().equals("stray tap")).toList();
    assertThat(strangers).as(out.toString()).isNotEmpty().allMatch(r -> !r.passed());
    assertThat(lab.rows()).filteredOn(r -> r.c().vm().startsWith("trusted wg0")).allMatch(Matrix.Row::passed);
    assertThat(lab.clean()).as(out.toString()).isTrue();
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
