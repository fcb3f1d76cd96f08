package netfence.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import netfence.policy.HostPolicy;
import netfence.policy.Port;
import netfence.testing.Examples;
import org.junit.jupiter.api.Test;

class TapSetupTest {
  private static Port port(String example, String tap) {
    var inv = Examples.load(Path.of("examples/" + example + ".yaml"));
    return HostPolicy.of(inv, "hv1").ports().stream().filter(p -> p.tap().equals(tap)).findFirst().orElseThrow();
  }

  @Test
  void aBridgedTapIsAttachedAndUp() {
    var s = TapSetup.of(port("uncloud-bridge", "tap1"));
    assertThat(s.batch()).containsExactly("link set tap1 master br100", "link set tap1 up");
    assertThat(s.sysctls()).isEmpty();
  }

  @Test
  void aRoutedTapGetsWhatRoutedPlanWouldWriteForIt() {
    var p = port("microvm-routed", "vm26");
    var s = TapSetup.of(p);
    assertThat(s.batch()).containsExactly(
        "link set vm26 up",
        "address replace 10.0.0.0/32 dev vm26",
        "address replace fd00:0:0:1::/128 dev vm26 nodad noprefixroute",
        "route replace 10.0.0.26/32 dev vm26 proto 110",
        "route replace fd00:0:0:1::1a/128 dev vm26 proto 110",
        "route replace 10.0.1.0/28 via 10.0.0.26 dev vm26 proto 110 onlink",
        "route replace fd00:0:0:2::/64 via fd00:0:0:1::1a dev vm26 proto 110 onlink");
    assertThat(s.sysctls()).containsExactly(
        java.util.Map.entry("net.ipv4.conf.vm26.rp_filter", "1"), java.util.Map.entry("net.ipv6.conf.vm26.accept_ra", "0"));
    assertThat(TapSetup.routesRemoved(p)).hasSize(4).allMatch(c -> c.startsWith("route del ") && c.endsWith(" proto 110"));
  }

  /** On the kernel: two taps in one run; when one fails, the other is still configured and only the failed one is named. */
  @Test
  @org.junit.jupiter.api.Tag("kernel")
  void severalTapsInOneRunAndAFailureNamesItsTap() {
    netfence.testing.Kernel.require("ip", "sysctl");
    var routed = Examples.load(Path.of("examples/microvm-routed.yaml"));
    var ports = HostPolicy.of(routed, "hv1").ports();
    try (var ns = Netns.create("nfts-all")) {
      for (var p : ports) ns.exec("ip", "link", "add", p.tap(), "type", "veth", "peer", "name", p.tap() + "p").orThrow();
      assertThat(TapSetup.runAll(ns, ports.stream().map(TapSetup::of).toList())).isEmpty();
      for (var p : ports) assertThat(ns.exec("ip", "route", "show", "proto", "110", "dev", p.tap()).orThrow().stdout()).isNotBlank();

      ns.exec("ip", "link", "del", ports.getFirst().tap()).orThrow();
      var failed = TapSetup.runAll(ns, ports.stream().map(TapSetup::of).toList());
      assertThat(failed).containsOnlyKeys(ports.getFirst().tap());
      assertThat(failed.get(ports.getFirst().tap())).contains("configuring tap " + ports.getFirst().tap());
    }
  }
}
