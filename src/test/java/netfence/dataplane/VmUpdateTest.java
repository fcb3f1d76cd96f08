package netfence.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import netfence.inventory.InventoryReader;
import netfence.policy.HostPolicy;
import netfence.policy.Port;
import netfence.render.nft.NftPolicy;
import netfence.nft.NftCommand;
import netfence.nft.NftScript;
import netfence.testing.Examples;
import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class VmUpdateTest {
  private static Port port(String yaml, String vm) {
    var inv = InventoryReader.parse("t.yaml", yaml).inventory().orElseThrow();
    return HostPolicy.of(inv, "hv1").ports().stream().filter(p -> p.vm().equals(vm)).findFirst().orElseThrow();
  }

  private static String inv(String addresses) {
    return """
        hosts: {hv1: {}}
        networks:
          br0: {mode: bridged, bridge: br0, ipv4: 10.0.0.0/24, ipv6: "fd00::/64"}
        vms:
          a: {host: hv1, index: 1, interfaces: [{network: br0, tap: t1, mac: "02:00:00:00:00:01", addresses: [%s]}]}
        """.formatted(addresses);
  }

  @Test
  void reAddressingChangesOnlyThatAddressesElements() {
    var tx = NftScript.write(VmUpdate.commands(Optional.of(port(inv("10.0.0.5"), "a")), Optional.of(port(inv("10.0.0.6"), "a"))));
    assertThat(tx).isEqualTo("""
        delete element bridge netfence ip4_addr { "t1" . 02:00:00:00:00:01 . 10.0.0.5 }
        delete element bridge netfence arp_ok { "t1" . 02:00:00:00:00:01 . 02:00:00:00:00:01 . 10.0.0.5 }
        add element bridge netfence ip4_addr { "t1" . 02:00:00:00:00:01 . 10.0.0.6 }
        add element bridge netfence arp_ok { "t1" . 02:00:00:00:00:01 . 02:00:00:00:00:01 . 10.0.0.6 }
        """);
  }

  @Test
  void noChangeIsNoTransaction() {
    var p = port(inv("10.0.0.5"), "a");
    assertThat(VmUpdate.commands(Optional.of(p), Optional.of(p))).isEmpty();
  }

  @Test
  void removingDeletesEveryElementIncludingTheVerdictMapKey() {
    var tx = NftScript.write(VmUpdate.commands(Optional.of(port(inv("10.0.0.5"), "a")), Optional.empty()));
    assertThat(tx).contains("delete element bridge netfence port_verdict { \"t1\" }");
    // Only its drop counts are added before they are deleted (they may or may not exist).
    assertThat(tx.lines().filter(l -> l.startsWith("add "))).allMatch(l -> l.matches("add element bridge netfence vm_\\w+ \\{ \"t1\" }"))
        .hasSize(NftPolicy.vmReasons(netfence.nft.Family.BRIDGE).size());
    assertThat(tx).contains("add element bridge netfence vm_ra { \"t1\" }\ndelete element bridge netfence vm_ra { \"t1\" }\n");
  }

  /** On the kernel: applying a change to a table of the whole inventory gives exactly the table of the new inventory. */
  @Test
  @Tag("kernel")
  void addRemoveAndMoveMatchAFreshCompile() {
    Kernel.require("nft", "ip");
    var before = Examples.load(Path.of("examples/uncloud-bridge.yaml"));
    String moved = """
        hosts:
          hv1: {}
        networks:
          br100:
            mode: bridged
            bridge: br100
            shared: true
            ipv4: 198.51.100.0/24
            ipv6: 2a0a:e5c1:111:888::/64
            trusted-ports: [vxlan100]
        vms:
          vm1:
            host: hv1
            index: 1
            interfaces:
              - {network: br100, tap: tap9, mac: "02:00:f0:a9:c4:4e", addresses: [slaac, 198.51.100.99]}
          vm2:
            host: hv1
            index: 2
            interfaces:
              - network: br100
                tap: v343a-0
                mac: 02:00:f0:a9:c4:4f
                addresses: [2a0a:e5c1:111:888:0:f0ff:fea9:c44f, 198.51.100.12]
                routed-prefixes: [2a0a:e5c1:111:1234::/64, 203.0.113.16/28]
          vm4:
            host: hv1
            index: 4
            interfaces:
              - {network: br100, tap: tap4, mac: "02:00:f0:a9:c4:51", addresses: [slaac]}
        """;
    var after = InventoryReader.parse("after.yaml", moved).inventory().orElseThrow();
    var p0 = HostPolicy.of(before, "hv1");
    var p1 = HostPolicy.of(after, "hv1");
    try (var ns = Netns.create("nfvmu-test"); var nft = NftSession.open(ns, s -> {})) {
      nft.run(NftScript.file(NftCommand.replace(NftPolicy.tables(p0)))).orThrow();
      String handle = handle(ns);
      var tx = new java.util.ArrayList<NftCommand>();
      for (String vm : new String[] {"vm1", "vm3", "vm4"}) {
        tx.addAll(VmUpdate.commands(p0.ports().stream().filter(p -> p.vm().equals(vm)).findFirst(),
            p1.ports().stream().filter(p -> p.vm().equals(vm)).findFirst()));
      }
      nft.run(tx).orThrow();
      assertThat(handle(ns)).as("no reload").isEqualTo(handle);
      try (var fresh = Netns.create("nfvmu-fresh"); var nft2 = NftSession.open(fresh, s -> {})) {
        nft2.run(NftScript.file(NftCommand.replace(NftPolicy.tables(p1)))).orThrow();
        assertThat(sortedElements(ns)).isEqualTo(sortedElements(fresh));
      }
    }
  }

  private static String handle(Netns ns) {
    return ns.exec("nft", "-a", "list", "tables").orThrow().stdout();
  }

  /** The table's lines with set elements sorted, so hash order does not matter. */
  private static java.util.List<String> sortedElements(Netns ns) {
    return ns.exec("nft", "list", "table", "bridge", "netfence").orThrow().stdout().lines()
        .flatMap(l -> java.util.Arrays.stream(l.replace("elements = {", "").replace("}", "").split(",\\s*")))
        .map(String::strip).filter(l -> !l.isEmpty()).sorted().toList();
  }
}
