package netfence.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import netfence.policy.HostPolicy;
import netfence.nft.Nft;
import netfence.render.nft.NftPolicy;
import netfence.testing.Examples;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
  static List<Path> examples() {
    return Examples.all();
  }

  private static HostPolicy policy(Path example) {
    var inv = Examples.load(example);
    return HostPolicy.of(inv, inv.hosts().getFirst().name());
  }

  private static Matrix run(List<Nft.Table> tables, HostPolicy policy) {
    var ev = new Evaluator(tables, policy);
    var m = new Matrix();
    for (var c : Cases.of(policy)) {
      var d = ev.evaluate(c);
      m.add(new Matrix.Row(c, d.accepted(), d.decidedBy()));
    }
    return m;
  }

  @ParameterizedTest
  @MethodSource("examples")
  void compiledPolicyHasNoLeakAndNoFalseDrop(Path example) {
    var policy = policy(example);
    var m = run(NftPolicy.tables(policy, List.of(Cases.ROGUE_PORT)), policy);
    assertThat(m.rows()).isNotEmpty();
    assertThat(m.rows()).filteredOn(r -> r.status() != Matrix.Status.OK).isEmpty();
  }

  @Test
  void withoutAnyTableEveryAttackLeaks() {
    var policy = policy(Path.of("examples/uncloud-bridge.yaml"));
    var m = run(List.of(), policy);
    assertThat(m.count(Matrix.Status.LEAK)).isEqualTo(m.rows().stream().filter(r -> r.c().expect() == Case.Expect.BLOCK).count());
    assertThat(m.count(Matrix.Status.FALSE_DROP)).isZero();
  }

  @Test
  void removingTheRaRuleLeaksRouterAdvertisements() {
    var policy = policy(Path.of("examples/uncloud-bridge.yaml"));
    var tables = withoutRule(withoutRule(NftPolicy.tables(policy, List.of(Cases.ROGUE_PORT)), "vm6", "ra"), "ok6", "ra");
    var m = run(tables, policy);
    assertThat(m.rows()).filteredOn(r -> r.status() == Matrix.Status.LEAK)
        .extracting(r -> r.c().name())
        .contains("router advertisement")
        .allMatch(n -> n.startsWith("router advertisement"));
  }

  @Test
  void theForwardCheckAloneKeepsUnnamedPortsFromTheVms() {
    var policy = policy(Path.of("examples/uncloud-bridge.yaml"));
    var tables = NftPolicy.tables(policy, List.of(Cases.ROGUE_PORT));
    // Without @foreign_ports (no agent saw the port): the forward hook still drops, naming the reason.
    var m = run(withoutRule(tables, "prerouting", "unknown_port"), policy);
    assertThat(m.clean()).isTrue();
    assertThat(m.rows()).filteredOn(r -> r.c().vm().equals("rogue port") || r.c().vm().equals("late port")).isNotEmpty()
        .allMatch(r -> r.evidence().startsWith("bridge netfence forward #1:"));
    // Without both, what comes from a port outside the inventory leaks, and nothing else does.
    var leaks = run(withoutRule(withoutRule(tables, "prerouting", "unknown_port"), "forward", "unknown_port"), policy);
    assertThat(leaks.rows()).filteredOn(r -> r.status() == Matrix.Status.LEAK).extracting(r -> r.c().vm())
        .containsOnly("rogue port", "late port");
  }

  @Test
  void withoutTheFirstOptionCheckALinkLayerOptionHidesBehindAnother() {
    var policy = policy(Path.of("examples/uncloud-bridge.yaml"));
    var tables = new ArrayList<Nft.Table>();
    for (var t : NftPolicy.tables(policy, List.of(Cases.ROGUE_PORT))) {
      var chains = t.chains().stream().map(c -> new Nft.Chain(c.name(), c.hook(), c.rules().stream()
          .filter(r -> r.matches().stream().noneMatch(m -> m instanceof Nft.InSet s && s.field() == netfence.nft.Field.ND_OPT_HEAD))
          .toList())).toList();
      tables.add(new Nft.Table(t.family(), t.name(), t.counters(), t.sets(), chains));
    }
    var m = run(tables, policy);
    assertThat(m.rows()).filteredOn(r -> r.status() == Matrix.Status.LEAK).extracting(r -> r.c().name()).isNotEmpty()
        .allMatch(n -> n.endsWith("behind another option"));
  }

  @Test
  void withoutTheRoutedForwardCheckAStrayTapReachesTheVms() {
    var policy = policy(Path.of("examples/microvm-routed.yaml"));
    var tables = NftPolicy.tables(policy, List.of());
    assertThat(run(tables, policy).clean()).isTrue();
    var m = run(withoutRule(tables, "forward", "unknown_port"), policy);
    assertThat(m.rows()).filteredOn(r -> r.status() == Matrix.Status.LEAK).extracting(r -> r.c().vm()).isNotEmpty().containsOnly("stray tap");
  }

  @Test
  void withoutTheLinkLayerChecksAVmAnnouncesAnotherVmsMac() {
    var policy = policy(Path.of("examples/uncloud-bridge.yaml"));
    var tables = NftPolicy.tables(policy, List.of(Cases.ROGUE_PORT));
    var m = run(withoutRule(withoutRule(withoutRule(tables, "vm_nd", "lla_spoof"), "ok4", "dhcp_chaddr"), "vm4", "dhcp_chaddr"), policy);
    assertThat(m.rows()).filteredOn(r -> r.status() == Matrix.Status.LEAK).extracting(r -> r.c().name()).isNotEmpty()
        .allMatch(n -> n.contains("link-layer address") || n.contains("chaddr"));
  }

  @Test
  void anEmptyAllowlistIsAFalseDropForLegitimateTraffic() {
    var policy = policy(Path.of("examples/uncloud-bridge.yaml"));
    var tables = new ArrayList<Nft.Table>();
    for (var t : NftPolicy.tables(policy, List.of(Cases.ROGUE_PORT))) {
      var sets = t.sets().stream().map(s -> s.name().equals("ip4_addr") ? new Nft.Set(s.name(), s.key(), s.interval(), s.verdicts(), List.of()) : s).toList();
      tables.add(new Nft.Table(t.family(), t.name(), t.counters(), sets, t.chains()));
    }
    var m = run(tables, policy);
    assertThat(m.rows()).filteredOn(r -> r.status() == Matrix.Status.FALSE_DROP).extracting(r -> r.c().name())
        .contains("IPv4 from own address 198.51.100.11", "IPv4 from own address 198.51.100.12");
  }

  @Test
  void everyVerdictNamesTheDecidingRule() {
    var policy = policy(Path.of("examples/uncloud-bridge.yaml"));
    var m = run(NftPolicy.tables(policy, List.of(Cases.ROGUE_PORT)), policy);
    var ra = m.rows().stream().filter(r -> r.c().name().equals("router advertisement")).findFirst().orElseThrow();
    // The drop rules jump to their reason's chain, which counts per VM and then drops.
    assertThat(ra.evidence()).isEqualTo("bridge netfence drop_ra #2: counter name ra drop");
    var own = m.rows().stream().filter(r -> r.c().name().startsWith("IPv4 from own address")).findFirst().orElseThrow();
    assertThat(own.evidence()).isEqualTo("bridge netfence ok4 #4: accept");
  }

  /**
   * The lab found this: with VLAN offload a tagged frame's inner source matches the allowlist
   * lookups, so the tagged-frame rule must come first. Without it, verify sees the leak too.
   */
  @Test
  void withoutTheTaggedFrameRuleVlanFramesLeak() {
    var policy = policy(Path.of("examples/uncloud-bridge.yaml"));
    var tables = new ArrayList<Nft.Table>();
    for (var t : NftPolicy.tables(policy, List.of(Cases.ROGUE_PORT))) {
      var chains = t.chains().stream().map(c -> !c.name().equals("prerouting") ? c
          : new Nft.Chain(c.name(), c.hook(), c.rules().subList(1, c.rules().size()))).toList();
      tables.add(new Nft.Table(t.family(), t.name(), t.counters(), t.sets(), chains));
    }
    var m = run(tables, policy);
    assertThat(m.rows()).filteredOn(r -> r.status() == Matrix.Status.LEAK).extracting(r -> r.c().name())
        .isNotEmpty().allMatch(n -> n.startsWith("VLAN-tagged"));
  }

  /** RFC 7113: an RA whose ICMPv6 header sits in the second fragment passes unless the fragment guard drops it. */
  @Test
  void withoutTheFragmentGuardAnRaInTheSecondFragmentLeaks() {
    var policy = policy(Path.of("examples/uncloud-bridge.yaml"));
    var tables = withoutRule(NftPolicy.tables(policy, List.of(Cases.ROGUE_PORT)), "vm6_frag", "frag_evasion");
    var m = run(tables, policy);
    assertThat(m.rows()).filteredOn(r -> r.status() == Matrix.Status.LEAK).extracting(r -> r.c().name())
        .isNotEmpty().allMatch(n -> n.contains("second IPv6 fragment"));
  }

  /** The tables with the rules of {@code chain} that count in {@code counter} removed. */
  private static List<Nft.Table> withoutRule(List<Nft.Table> tables, String chain, String counter) {
    var out = new ArrayList<Nft.Table>();
    for (var t : tables) {
      var chains = t.chains().stream().map(c -> !c.name().equals(chain) ? c
          : new Nft.Chain(c.name(), c.hook(), c.rules().stream().filter(r -> !r.counter().equals(java.util.Optional.of(counter))
              && !r.verdict().equals(java.util.Optional.of(new Nft.Jump("drop_" + counter)))).toList())).toList();
      out.add(new Nft.Table(t.family(), t.name(), t.counters(), t.sets(), chains));
    }
    return out;
  }
}
