package netfence.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import netfence.agent.Transition.Action;
import netfence.agent.Transition.Phase;
import netfence.dataplane.LinkEvents.Link;
import netfence.policy.HostPolicy;
import netfence.policy.Port;
import netfence.testing.Examples;
import org.junit.jupiter.api.Test;

/** The reconciler over many interfaces, without a kernel: links, foreign ports, syncs. */
class ReconcilerTest {
  private static final HostPolicy UNCLOUD = HostPolicy.of(Examples.load(Path.of("examples/uncloud-bridge.yaml")), "hv1");
  private static final Port VM1 = UNCLOUD.ports().get(0);
  private static final Port VM2 = UNCLOUD.ports().get(1);

  private static Link link(String name, Optional<String> master) {
    return new Link(1, name, true, master, false, false);
  }

  private static Link gone(String name) {
    return new Link(1, name, false, Optional.empty(), true, false);
  }

  private static String key(Port p) {
    return p.vm() + "/" + p.interfaceNumber();
  }

  private static Reconciler started(List<Link> links) {
    var r = new Reconciler();
    r.links(links);
    for (Port p : UNCLOUD.ports()) r.adopt(key(p), p);
    r.trusted("br100", List.of(), UNCLOUD.bridges().getFirst().network().trustedPorts());
    return r;
  }

  @Test
  void atStartNothingIsInstalledPortByPortAFullSyncIsAskedFor() {
    var r = started(List.of(link(VM1.tap(), Optional.of("br100"))));
    var plan = r.plan();
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.sync()).isTrue();
    assertThat(r.states().values()).allSatisfy(s -> assertThat(s.phase()).isEqualTo(Phase.WANTED));
    r.confirmAll();
    assertThat(r.states().get(key(VM1)).phase()).isEqualTo(Phase.APPLIED);
    assertThat(r.states().get(key(VM2)).phase()).isEqualTo(Phase.FILTERED);
  }

  @Test
  void aTapThatAppearsIsSetUpAndOneThatGoesIsFilteredOnly() {
    var r = started(List.of());
    r.plan();
    r.confirmAll();
    r.link(link(VM2.tap(), Optional.empty()));
    assertThat(r.plan().actions()).extracting(Reconciler.Keyed::action).containsExactly(new Action.Setup(VM2));
    r.setupDone(key(VM2), true, "");
    assertThat(r.states().get(key(VM2)).phase()).isEqualTo(Phase.APPLIED);
    r.link(gone(VM2.tap()));
    assertThat(r.states().get(key(VM2)).phase()).isEqualTo(Phase.FILTERED);
    assertThat(r.plan().isEmpty()).isTrue();
  }

  @Test
  void portsOnAGuardedBridgeThatTheInventoryDoesNotNameAreForeign() {
    var r = started(List.of());
    r.plan();
    r.confirmAll();
    r.link(link("intruder", Optional.of("br100")));
    r.link(link(VM1.tap(), Optional.of("br100")));
    r.link(link("vxlan100", Optional.of("br100"))); // a trusted port
    r.link(link("elsewhere", Optional.of("docker0"))); // not a guarded bridge
    var plan = r.plan();
    assertThat(plan.foreignAdd()).containsExactly("intruder");
    // Detached, it is not on the bridge any more; a VM created with that tap name makes it named.
    r.link(link("intruder", Optional.empty()));
    assertThat(r.plan().foreignRemove()).containsExactly("intruder");
    r.link(link("intruder", Optional.of("br100")));
    assertThat(r.plan().foreignAdd()).containsExactly("intruder");
    var named = new Port("new", 9, 0, VM1.network(), new netfence.model.VmInterface(VM1.network().name(), "intruder", VM1.mac(),
        List.of(), List.of(), false));
    r.desired("new/0", Optional.of(named));
    var after = r.plan();
    assertThat(after.foreignRemove()).containsExactly("intruder");
    assertThat(after.actions()).extracting(Reconciler.Keyed::action).first().isInstanceOf(Action.Elements.class);
    // And deleting that VM makes it foreign again.
    r.desired("new/0", Optional.empty());
    assertThat(r.plan().foreignAdd()).containsExactly("intruder");
  }

  @Test
  void afterTheTablesWereLostNothingIsAppliedAndNoDiffIsSentUntilTheSync() {
    var r = started(List.of(link(VM1.tap(), Optional.of("br100"))));
    r.plan();
    r.confirmAll();
    r.unconfirmAll("table bridge netfence is missing");
    assertThat(r.plan().sync()).isTrue();
    assertThat(r.states().values()).allSatisfy(s -> {
      assertThat(s.phase()).isEqualTo(Phase.WANTED);
      assertThat(s.known()).isFalse();
    });
    // A change meanwhile waits for the sync rather than guessing a diff.
    r.desired(key(VM2), Optional.empty());
    var plan = r.plan();
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.sync()).isTrue();
    r.confirmAll();
    assertThat(r.states()).containsOnlyKeys(key(VM1), key(UNCLOUD.ports().get(2)));
    assertThat(r.states().get(key(VM1)).phase()).isEqualTo(Phase.APPLIED);
  }

  @Test
  void changedStatesAreReportedOnce() {
    var r = started(List.of());
    r.plan();
    var seen = new java.util.ArrayList<String>();
    r.changed((k, s) -> seen.add(k));
    assertThat(seen).hasSize(3);
    seen.clear();
    r.changed((k, s) -> seen.add(k));
    assertThat(seen).isEmpty();
  }
}
