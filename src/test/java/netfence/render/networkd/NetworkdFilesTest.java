package netfence.render.networkd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import netfence.model.Inventory;
import netfence.policy.HostPolicy;
import netfence.testing.Examples;
import netfence.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class NetworkdFilesTest {
  @ParameterizedTest
  @MethodSource("netfence.testing.Examples#all")
  void everyExampleMatchesItsGoldenFiles(Path example) {
    Inventory inv = Examples.load(example);
    for (var host : inv.hosts()) {
      var files = NetworkdFiles.of(HostPolicy.of(inv, host.name()), new NetworkdOptions(252));
      assertThat(files).isNotEmpty();
      String dir = Examples.name(example) + (inv.hosts().size() == 1 ? "" : "/" + host.name());
      files.forEach((path, text) -> Golden.assertMatches(dir + "/" + path, text));
    }
  }

  @Test
  void systemdBefore256ForwardsWithIPForward() {
    String tap = routedTap(252);
    assertThat(tap).contains("IPForward=yes\n").doesNotContain("IPv4Forwarding").doesNotContain("IPv6Forwarding");
    assertThat(routedTap(255)).contains("IPForward=yes\n");
  }

  @Test
  void systemd256AndLaterForwardsPerFamily() {
    String tap = routedTap(256);
    assertThat(tap).contains("IPv4Forwarding=yes\n", "IPv6Forwarding=yes\n").doesNotContain("IPForward=");
  }

  @Test
  void guestRouteToTheHostHasNoGatewayOnLink() {
    var guest = NetworkdFiles.guestUnits(policy()).get("web").get("10-eth0.network");
    var routes = guest.sections("Route");
    // Destination without Gateway: GatewayOnLink there makes systemd 252 fail the link.
    assertThat(routes).filteredOn(r -> r.entries().stream().noneMatch(e -> e.key().equals("Gateway")))
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r.entries()).extracting(UnitFile.Entry::key).containsExactly("Destination"));
    assertThat(routes).filteredOn(r -> r.entries().stream().anyMatch(e -> e.key().equals("Gateway")))
        .extracting(r -> r.entries().getFirst().value())
        .containsExactly("0.0.0.0/0", "::/0");
  }

  @Test
  void entriesThatCouldBreakALineAreRejected() {
    assertThatThrownBy(() -> new UnitFile.Entry("Name", "vm5\n[Network]")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new UnitFile.Entry("Na=me", "vm5")).isInstanceOf(IllegalArgumentException.class);
  }

  private static String routedTap(int systemd) {
    return NetworkdFiles.of(policy(), new NetworkdOptions(systemd)).get("networkd/host/30-vm5.network");
  }

  private static HostPolicy policy() {
    return HostPolicy.of(Examples.load(Path.of("examples/microvm-routed.yaml")), "hv1");
  }
}
