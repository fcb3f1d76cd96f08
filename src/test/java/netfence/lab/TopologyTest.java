package netfence.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashSet;
import netfence.policy.HostPolicy;
import netfence.testing.Examples;
import netfence.verify.Cases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TopologyTest {
  @ParameterizedTest
  @MethodSource("netfence.testing.Examples#all")
  void namesFitTheKernelAndEveryCaseHasASenderAndAWayToBeObserved(Path example) {
    var inv = Examples.load(example);
    var names = new HashSet<String>();
    for (int h = 0; h < inv.hosts().size(); h++) {
      var policy = HostPolicy.of(inv, inv.hosts().get(h).name());
      var t = Topology.of(policy, h);
      for (String ns : t.namespaces()) {
        assertThat(ns).startsWith(Topology.PREFIX).hasSizeLessThanOrEqualTo(15);
        assertThat(names.add(ns)).as("namespace %s is unique", ns).isTrue();
      }
      for (var e : t.ends()) assertThat(e.port()).hasSizeLessThanOrEqualTo(15);
      for (var c : Cases.of(policy)) {
        assertThat(t.nsBehind(c.ingress())).isNotEqualTo(t.hostNs());
        assertThat(Observation.of(c, t)).isNotNull();
      }
    }
  }

  @Test
  void routedVmsGetHostRoutesOnLinkAndTheUplinkLeadsToTheInternet() {
    var inv = Examples.load(Path.of("examples/microvm-routed.yaml"));
    var t = Topology.of(HostPolicy.of(inv, "hv1"), 0);
    var web = t.ends().stream().filter(e -> e.port().equals("vm5")).findFirst().orElseThrow();
    assertThat(web.role()).isEqualTo(Topology.Role.VM);
    assertThat(web.mac()).contains("02:00:00:00:00:01");
    assertThat(web.addresses()).containsExactly("10.0.0.5/32", "fd00:0:0:1::5/128");
    assertThat(web.routes()).containsExactly(
        java.util.List.of("-4", "route", "add", "default", "via", "10.0.0.0", "dev", "eth0", "onlink"),
        java.util.List.of("-6", "route", "add", "default", "via", "fd00:0:0:1::", "dev", "eth0", "onlink"));
    assertThat(web.hostMac()).contains(Cases.HOST_TAP_MAC);
    var internet = t.ends().stream().filter(e -> e.role() == Topology.Role.INTERNET).findFirst().orElseThrow();
    assertThat(internet.port()).isEqualTo("enp0s3");
    assertThat(internet.hostAddresses()).containsExactly("100.127.255.1/30");
    assertThat(t.defaultViaInternet()).isTrue();
  }

  @Test
  void bridgedVmsGetTheNetworksPrefixLengthAndTheBridgeARoguePort() {
    var inv = Examples.load(Path.of("examples/uncloud-bridge.yaml"));
    var t = Topology.of(HostPolicy.of(inv, "hv1"), 0);
    var vm1 = t.ends().stream().filter(e -> e.port().equals("tap1")).findFirst().orElseThrow();
    assertThat(vm1.addresses()).containsExactlyInAnyOrder("2a0a:e5c1:111:888:0:f0ff:fea9:c44e/64", "198.51.100.11/24");
    assertThat(vm1.routes()).isEmpty();
    assertThat(t.bridges()).singleElement().satisfies(b -> assertThat(b.labPorts()).containsExactly("vxlan100", Cases.ROGUE_PORT));
    assertThat(t.ends()).noneMatch(e -> e.role() == Topology.Role.INTERNET);
  }

  @Test
  void anUplinkThatIsATrustedPortIsJustThatPort() {
    var inv = Examples.load(Path.of("examples/libvirt-clean-traffic.yaml"));
    var t = Topology.of(HostPolicy.of(inv, "kvm1"), 0);
    assertThat(t.ends()).filteredOn(e -> e.port().equals("eno1")).singleElement()
        .satisfies(e -> assertThat(e.role()).isEqualTo(Topology.Role.TRUSTED));
    assertThat(t.defaultViaInternet()).isFalse();
  }
}
