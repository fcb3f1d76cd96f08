package netfence.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddressString;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import netfence.model.AddressPlan;
import netfence.model.Vm;
import netfence.testing.Examples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invalid inventories, each with the exact diagnostics it must produce, and
 * the valid ones (the examples, derived values). Most inventories start with
 * {@link #NETS} or {@link #NETS_A}, so their VMs begin at line 16 and the
 * interfaces of VM 'a' at line 20.
 */
class InventoryReaderTest {
  /** Lines 1 to 15: host hv1 with uplink eth0, routed vmnet, bridged br0 with trusted port vx0. */
  private static final String NETS = """
      hosts:
        hv1:
          uplink: eth0
      networks:
        vmnet:
          mode: routed
          ipv4: 10.0.0.0/24
          ipv6: fd00:0:0:1::/64
        br0:
          mode: bridged
          bridge: br0
          ipv4: 198.51.100.0/24
          ipv6: 2001:db8::/64
          trusted-ports: [vx0]
      vms:
      """;

  /** Lines 1 to 19: {@link #NETS} and VM 'a' (index 1 on hv1) up to its {@code interfaces:}, which start at line 20. */
  private static final String NETS_A = NETS + """
        a:
          host: hv1
          index: 1
          interfaces:
      """;

  private static InventoryReader.Result parse(String text) {
    return InventoryReader.parse("inv.yaml", text);
  }

  /** The inventory is rejected with exactly these diagnostics, in this order. */
  private static void assertDiagnostics(String text, String... expected) {
    var result = parse(text);
    assertThat(result.diagnostics()).extracting(Diagnostic::toString).containsExactly(expected);
    assertThat(result.ok()).as("an inventory with errors yields no model").isFalse();
  }

  private static Vm vm(InventoryReader.Result result, String name) {
    return result.inventory().orElseThrow().vms().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
  }

  // ---- the file and YAML itself ----------------------------------------------

  @Test
  void emptyFile() {
    assertDiagnostics("", "inv.yaml:1:1: error: the file is empty: expected a mapping with hosts, networks and vms");
  }

  @Test
  void fileWithOnlyAComment() {
    assertDiagnostics("# nothing yet\n", "inv.yaml:1:1: error: the file is empty: expected a mapping with hosts, networks and vms");
  }

  @Test
  void yamlSyntaxError() {
    assertDiagnostics("""
        hosts:
          hv1: {
        networks: x
        """, "inv.yaml:4:1: error: YAML syntax: expected ',' or '}', but got <stream end>");
  }

  @Test
  void tabIndentation() {
    assertDiagnostics("hosts:\n\thv1: {}\n",
        "inv.yaml:2:1: error: YAML syntax: found character '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for indentation)");
  }

  @Test
  void moreThanOneDocument() {
    assertDiagnostics("""
        hosts: {}
        ---
        vms: {}
        """, "inv.yaml:3:1: error: only one YAML document is allowed per inventory");
  }

  @Test
  void duplicateTopLevelKey() {
    assertDiagnostics("""
        hosts:
          hv1: {}
        hosts:
          hv2: {}
        """, "inv.yaml:3:1: error: duplicate key 'hosts' (first defined at line 1)");
  }

  @Test
  void duplicateNestedKeys() {
    assertDiagnostics(NETS_A + """
              - network: vmnet
                tap: t1
                tap: t2
          a:
            host: hv1
        """,
        "inv.yaml:22:9: error: duplicate key 'tap' (first defined at line 21)",
        "inv.yaml:23:3: error: duplicate key 'a' (first defined at line 16)");
  }

  @Test
  void keyThatIsNotAScalar() {
    assertDiagnostics("""
        hosts:
          ? [hv1]
          : {}
        """, "inv.yaml:2:5: error: a key must be a plain name, not a list or mapping");
  }

  // ---- unknown keys and types ------------------------------------------------

  @Test
  void unknownKeysSuggestTheClosestKnownOne() {
    assertDiagnostics("""
        hosts:
          hv1: {uplnk: eth0}
        networks:
          br0:
            mode: bridged
            bridge: br0
            ipv6: 2001:db8::/64
            trusted_ports: [vx0]
        vms:
          a:
            host: hv1
            index: 1
            interfaces:
              - network: br0
                adresses: [slaac]
                routed-prefix: [2001:db8:1::/64]
        """,
        "inv.yaml:2:9: error: unknown key 'uplnk' in host 'hv1'; did you mean 'uplink'?",
        "inv.yaml:8:5: error: unknown key 'trusted_ports' in network 'br0'; did you mean 'trusted-ports'?",
        "inv.yaml:15:9: error: unknown key 'adresses' in interface 0 of VM 'a'; did you mean 'addresses'?",
        "inv.yaml:16:9: error: unknown key 'routed-prefix' in interface 0 of VM 'a'; did you mean 'routed-prefixes'?");
  }

  @Test
  void unknownKeyFarFromAnyKnownOneListsTheKnownKeys() {
    assertDiagnostics("""
        hosts: {}
        colour: red
        """, "inv.yaml:2:1: error: unknown key 'colour' in the inventory; known keys: hosts, networks, vms");
  }

  @Test
  void natYesIsAStringInYaml12() {
    assertDiagnostics("""
        hosts:
          hv1: {uplink: eth0}
        networks:
          vmnet:
            mode: routed
            ipv4: 10.0.0.0/24
            nat: yes
        """, "inv.yaml:7:10: error: 'nat' must be true or false, found a string 'yes'");
  }

  @Test
  void interfacesNotAList() {
    assertDiagnostics(NETS_A + """
              network: vmnet
        """, "inv.yaml:20:7: error: 'interfaces' must be a list, found a mapping");
  }

  @Test
  void sectionsAndEntriesOfTheWrongKind() {
    assertDiagnostics("""
        hosts: [hv1]
        networks: 5
        vms:
          a:
          b: 7
          c:
            host: [hv1]
            index: 3
            interfaces: []
        """,
        "inv.yaml:1:8: error: 'hosts' must be a mapping, found a list",
        "inv.yaml:2:11: error: 'networks' must be a mapping, found an integer",
        "inv.yaml:4:5: error: VM 'a' has no 'host'",
        "inv.yaml:4:5: error: VM 'a' has no 'index': every VM needs a unique positive index",
        "inv.yaml:4:5: error: VM 'a' has no 'interfaces'",
        "inv.yaml:5:6: error: VM 'b' must be a mapping, found an integer",
        "inv.yaml:7:11: error: 'host' must be a string, found a list",
        "inv.yaml:9:17: error: VM 'c' has an empty interface list");
  }

  @Test
  void listsAndTheirEntriesOfTheWrongKind() {
    assertDiagnostics(NETS_A + """
              - br0
              - network: br0
                addresses: 198.51.100.5
              - network: br0
                addresses: [198.51.100.6/32, [1]]
                routed-prefixes: [10.9.0.0]
        """,
        "inv.yaml:20:9: error: interface 0 of VM 'a' must be a mapping, found a string",
        "inv.yaml:22:20: error: 'addresses' must be a list, found a string",
        "inv.yaml:24:21: error: '198.51.100.6/32' is a prefix, expected a single address without '/length'",
        "inv.yaml:24:38: error: an entry of 'addresses' must be a string, found a list",
        "inv.yaml:25:27: error: '10.9.0.0' has no prefix length; expected a prefix such as 10.0.0.0/24");
  }

  // ---- uniqueness ------------------------------------------------------------

  @Test
  void duplicateIndexIsOneErrorNotACascadeOfDerivedCollisions() {
    assertDiagnostics(NETS + """
          a: {host: hv1, index: 5, interfaces: [{network: vmnet}]}
          b: {host: hv1, index: 5, interfaces: [{network: vmnet}]}
        """, "inv.yaml:17:25: error: index 5 is already used by VM 'a' (line 16); indexes must be unique across the inventory");
  }

  @Test
  void duplicateExplicitMac() {
    assertDiagnostics(NETS_A + """
              - network: vmnet
                mac: 02:00:00:00:00:01
          b:
            host: hv1
            index: 2
            interfaces:
              - network: vmnet
                mac: 02:00:00:00:00:01
        """, "inv.yaml:27:14: error: MAC 02:00:00:00:00:01 is already used by VM 'a' (interface 0, line 21)");
  }

  @Test
  void explicitMacCollidesWithADerivedOne() {
    assertDiagnostics(NETS_A + """
              - network: vmnet
                mac: 02:6e:00:00:00:05
          b:
            host: hv1
            index: 5
            interfaces:
              - network: vmnet
        """, "inv.yaml:26:9: error: MAC 02:6e:00:00:00:05 (derived from index 5) is already used by VM 'a' (interface 0, line 21)");
  }

  @Test
  void duplicateExplicitTapOnOneHost() {
    assertDiagnostics(NETS_A + """
              - network: vmnet
                tap: t1
          b:
            host: hv1
            index: 2
            interfaces:
              - network: br0
                tap: t1
        """, "inv.yaml:27:14: error: tap 't1' on host 'hv1' is already the tap of VM 'a' (interface 0, line 21)");
  }

  @Test
  void defaultTapCollidesWithAnExplicitOne() {
    assertDiagnostics(NETS_A + """
              - network: vmnet
                tap: vm4
          b:
            host: hv1
            index: 4
            interfaces:
              - network: vmnet
        """,
        "inv.yaml:26:9: error: tap 'vm4' (the default for index 4) on host 'hv1' is already the tap of VM 'a' (interface 0, line 21);"
            + " give this interface its own 'tap'");
  }

  @Test
  void secondRoutedInterfaceOfAVmNeedsItsOwnTap() {
    assertDiagnostics("""
        hosts:
          hv1: {}
        networks:
          front: {mode: routed, ipv4: 10.0.0.0/24}
          back: {mode: routed, ipv4: 10.1.0.0/24}
        vms:
          a:
            host: hv1
            index: 1
            interfaces:
              - network: front
              - network: back
        """,
        "inv.yaml:12:9: error: tap 'vm1' (the default for index 1) on host 'hv1' is already the tap of VM 'a' (interface 0, line 11);"
            + " give this interface its own 'tap'");
  }

  @Test
  void twoInterfacesOfAVmOnOneRoutedNetworkGetTheSameAddresses() {
    assertDiagnostics(NETS_A + """
              - network: vmnet
              - network: vmnet
                tap: vm1b
        """,
        "inv.yaml:21:9: error: address 10.0.0.1 is already used by VM 'a' (interface 0, line 20)",
        "inv.yaml:21:9: error: address fd00:0:0:1::1 is already used by VM 'a' (interface 0, line 20)");
  }

  @Test
  void tapEqualToATrustedPortTheBridgeOrTheUplink() {
    assertDiagnostics(NETS_A + """
              - network: br0
                tap: vx0
              - network: br0
                tap: br0
              - network: vmnet
                tap: eth0
        """,
        "inv.yaml:21:14: error: tap 'vx0' on host 'hv1' is already a trusted port of network 'br0'",
        "inv.yaml:23:14: error: tap 'br0' on host 'hv1' is already the bridge of network 'br0'",
        "inv.yaml:25:14: error: tap 'eth0' on host 'hv1' is already its uplink");
  }

  @Test
  void trustedInterfacesAreCheckedNamesAndNoVmMayUseOne() {
    String inv = NETS.replace("    uplink: eth0\n", "    uplink: eth0\n    trusted-interfaces: [wg0, \"bad name\"]\n") + """
          a:
            host: hv1
            index: 1
            interfaces:
              - network: vmnet
                tap: wg0
        """;
    var r = parse(inv);
    assertThat(r.diagnostics()).extracting(Object::toString).anyMatch(d -> d.contains("4:31: error: trusted interface 'bad name'"))
        .anyMatch(d -> d.contains("error: tap 'wg0' on host 'hv1' is already its trusted interface"));
  }

  @Test
  void bridgeNamedLikeTheUplinkOrAnotherNetworksBridge() {
    assertDiagnostics("""
        hosts:
          hv1:
            uplink: eth0
        networks:
          lan:
            mode: bridged
            bridge: eth0
          other:
            mode: bridged
            bridge: eth0
        vms:
          a:
            host: hv1
            index: 1
            interfaces: [{network: lan, tap: t1}, {network: other, tap: t2}]
        """,
        "inv.yaml:7:5: error: bridge 'eth0' of network 'lan' on host 'hv1' is already its uplink",
        "inv.yaml:10:5: error: bridge 'eth0' of network 'other' on host 'hv1' is already its uplink");
  }

  @Test
  void aTrustedPortMayBeTheUplinkButNotAnotherBridge() {
    var ok = parse("""
        hosts:
          kvm1: {uplink: eno1}
        networks:
          public: {mode: bridged, bridge: br0, trusted-ports: [eno1]}
        vms:
          a: {host: kvm1, index: 1, interfaces: [{network: public}]}
        """);
    assertThat(ok.diagnostics()).isEmpty();
    assertDiagnostics("""
        hosts:
          kvm1: {}
        networks:
          one: {mode: bridged, bridge: br0}
          two: {mode: bridged, bridge: br1, trusted-ports: [br0]}
        vms:
          a: {host: kvm1, index: 1, interfaces: [{network: one, tap: t1}, {network: two, tap: t2}]}
        """,
        "inv.yaml:5:37: error: trusted port 'br0' of network 'two' on host 'kvm1' is already the bridge of network 'one'");
  }

  @Test
  void routedPrefixOfAFamilyTheRoutedNetworkGivesNoAddress() {
    assertDiagnostics("""
        hosts:
          hv1: {}
        networks:
          v4only: {mode: routed, ipv4: 10.0.0.0/24}
        vms:
          a:
            host: hv1
            index: 1
            interfaces:
              - network: v4only
                routed-prefixes: ["fd00:9::/64"]
        """,
        "inv.yaml:11:27: error: routed prefix fd00:9::/64 is IPv6, but routed network 'v4only' gives VM 'a' no IPv6 address to route it via");
  }

  @Test
  void aBridgedVmCannotTakeTheHostsAddressOfARoutedNetwork() {
    assertDiagnostics("""
        hosts:
          hv1: {}
        networks:
          vmnet: {mode: routed, ipv4: 10.0.0.0/24}
          lan: {mode: bridged, bridge: br0, ipv4: 10.0.0.0/16}
        vms:
          a:
            host: hv1
            index: 1
            interfaces:
              - network: lan
                addresses: [10.0.0.0]
        """,
        "inv.yaml:12:21: error: address 10.0.0.0 is already used by the host's address on routed network 'vmnet' (line 4)");
  }

  @Test
  void aDuplicateIndexIsReportedEvenWhenTheVmHasOtherErrors() {
    assertDiagnostics("""
        hosts:
          hv1: {}
        networks:
          vmnet: {mode: routed, ipv4: 10.0.0.0/24}
        vms:
          a: {host: hv1, index: 5, interfaces: [{network: vmnet}]}
          b: {host: hv2, index: 5, interfaces: [{network: vmnet}]}
        """,
        "inv.yaml:7:13: error: VM 'b' runs on undefined host 'hv2'; did you mean 'hv1'?",
        "inv.yaml:7:25: error: index 5 is already used by VM 'a' (line 6); indexes must be unique across the inventory");
  }

  @Test
  void sameTapOnTwoHostsIsFine() {
    var result = parse("""
        hosts:
          hv1: {}
          hv2: {}
        networks:
          vmnet: {mode: routed, ipv4: 10.0.0.0/24}
        vms:
          a: {host: hv1, index: 1, interfaces: [{network: vmnet, tap: t1}]}
          b: {host: hv2, index: 2, interfaces: [{network: vmnet, tap: t1}]}
        """);
    assertThat(result.diagnostics()).isEmpty();
    assertThat(vm(result, "a").interfaces().getFirst().tap()).isEqualTo(vm(result, "b").interfaces().getFirst().tap()).isEqualTo("t1");
  }

  @Test
  void sameAddressOnTwoInterfaces() {
    assertDiagnostics(NETS_A + """
              - network: br0
                addresses: [198.51.100.10]
          b:
            host: hv1
            index: 2
            interfaces:
              - network: br0
                addresses: [198.51.100.10]
        """, "inv.yaml:27:21: error: address 198.51.100.10 is already used by VM 'a' (interface 0, line 21)");
  }

  @Test
  void sameAddressOnTwoInterfacesOfOneVm() {
    assertDiagnostics(NETS_A + """
              - network: br0
                tap: t1
                addresses: [2001:db8::10]
              - network: br0
                tap: t2
                addresses: ["2001:db8:0:0::10"]
        """, "inv.yaml:25:21: error: address 2001:db8::10 is already used by VM 'a' (interface 0, line 22)");
  }

  @Test
  void addressInsideAnotherVmsRoutedPrefix() {
    assertDiagnostics(NETS_A + """
              - network: br0
                routed-prefixes: [198.51.100.128/25]
          b:
            host: hv1
            index: 2
            interfaces:
              - network: br0
                addresses: [198.51.100.200]
        """,
        "inv.yaml:27:21: error: address 198.51.100.200 is inside routed prefix 198.51.100.128/25 of VM 'a' (interface 0, line 21)");
  }

  @Test
  void routedVmAddressInsideAnotherVmsRoutedPrefix() {
    assertDiagnostics(NETS_A + """
              - network: br0
                routed-prefixes: [10.0.0.0/28]
          b:
            host: hv1
            index: 5
            interfaces:
              - network: vmnet
        """,
        // The prefix also holds the host's own address on the routed network's taps.
        "inv.yaml:21:27: error: routed prefix 10.0.0.0/28 contains 10.0.0.0, the host's address on routed network 'vmnet' (line 7)",
        "inv.yaml:26:9: error: address 10.0.0.5 is inside routed prefix 10.0.0.0/28 of VM 'a' (interface 0, line 21)");
  }

  @Test
  void overlappingRoutedPrefixesOfTwoVms() {
    assertDiagnostics(NETS_A + """
              - network: br0
                routed-prefixes: [2001:db8:100:1::/64]
          b:
            host: hv1
            index: 2
            interfaces:
              - network: br0
                routed-prefixes: [2001:db8:100::/48]
        """,
        "inv.yaml:27:27: error: routed prefix 2001:db8:100::/48 overlaps routed prefix 2001:db8:100:1::/64 of VM 'a' (interface 0, line 21)");
  }

  // ---- addresses and prefixes ------------------------------------------------

  @Test
  void addressOutsideItsNetworksPrefixOrOfAMissingFamily() {
    assertDiagnostics("""
        hosts:
          hv1: {}
        networks:
          br0: {mode: bridged, bridge: br0, ipv4: 198.51.100.0/24}
        vms:
          a:
            host: hv1
            index: 1
            interfaces:
              - network: br0
                addresses: [198.51.101.1, 2001:db8::1]
        """,
        "inv.yaml:11:21: error: address 198.51.101.1 is outside network 'br0' (198.51.100.0/24)",
        "inv.yaml:11:35: error: address 2001:db8::1 is IPv6, but network 'br0' has no ipv6 prefix");
  }

  @Test
  void hostBitsSetInANetworkPrefixSuggestTheCanonicalOne() {
    assertDiagnostics("""
        networks:
          vmnet:
            mode: routed
            ipv4: 10.0.0.1/24
            ipv6: fd00::1/64
        """,
        "inv.yaml:4:11: error: prefix '10.0.0.1/24' has host bits set; did you mean 10.0.0.0/24?",
        "inv.yaml:5:11: error: prefix 'fd00::1/64' has host bits set; did you mean fd00::/64?");
  }

  @Test
  void prefixOfTheWrongFamilyAndNotAnAddress() {
    assertDiagnostics("""
        networks:
          vmnet:
            mode: routed
            ipv4: fd00::/64
            ipv6: 10.0.0.256/24
            dns: [9.9.9.09]
        """,
        "inv.yaml:4:11: error: 'ipv4' must be an IPv4 prefix, found fd00::/64",
        "inv.yaml:5:11: error: '10.0.0.256/24' is not a valid IP address or prefix",
        "inv.yaml:6:11: error: '9.9.9.09' is not a valid IP address or prefix");
  }

  @Test
  void multicastMac() {
    assertDiagnostics(NETS_A + """
              - network: vmnet
                mac: 03:00:00:00:00:01
        """,
        "inv.yaml:21:14: error: MAC address 03:00:00:00:00:01 is multicast (lowest bit of the first byte set); a VM needs a unicast MAC");
  }

  @Test
  void malformedAndAllZeroMacs() {
    assertDiagnostics(NETS_A + """
              - {network: br0, tap: t1, mac: 02:00:00:00:01}
              - {network: br0, tap: t2, mac: 02-00-00-00-00-02}
              - {network: br0, tap: t3, mac: 020000000003}
              - {network: br0, tap: t4, mac: 00:00:00:00:00:00}
              - {network: br0, tap: t5, mac: 2}
        """,
        "inv.yaml:20:38: error: malformed MAC address '02:00:00:00:01': expected six hex bytes separated by ':', e.g. 02:00:f0:a9:c4:4e",
        "inv.yaml:21:38: error: malformed MAC address '02-00-00-00-00-02': expected six hex bytes separated by ':', e.g. 02:00:f0:a9:c4:4e",
        "inv.yaml:22:38: error: malformed MAC address '020000000003': expected six hex bytes separated by ':', e.g. 02:00:f0:a9:c4:4e",
        "inv.yaml:23:38: error: MAC address 00:00:00:00:00:00 is all zeros",
        "inv.yaml:24:38: error: malformed MAC address '2': expected six hex bytes separated by ':', e.g. 02:00:f0:a9:c4:4e");
  }

  @Test
  void slaacNeedsAnIpv6Slash64() {
    assertDiagnostics("""
        hosts:
          hv1: {}
        networks:
          wide: {mode: bridged, bridge: br0, ipv6: 2001:db8::/56}
          v4only: {mode: bridged, bridge: br1, ipv4: 198.51.100.0/24}
        vms:
          a:
            host: hv1
            index: 1
            interfaces:
              - network: wide
                addresses: [slaac]
              - network: v4only
                addresses: [slaac, slaac]
        """,
        "inv.yaml:12:21: error: 'slaac' needs an IPv6 /64, but network 'wide' has 2001:db8::/56",
        "inv.yaml:14:28: error: 'slaac' is listed twice",
        "inv.yaml:14:28: error: 'slaac' needs an IPv6 /64, but network 'v4only' has no ipv6 prefix");
  }

  @Test
  void addressesOnARoutedNetworkComeFromTheIndex() {
    assertDiagnostics(NETS_A + """
              - network: vmnet
                addresses: [10.0.0.7]
        """, "inv.yaml:21:9: error: interface 0 of VM 'a' is on routed network 'vmnet', whose addresses come from the VM's index; remove 'addresses'");
  }

  // ---- indexes ---------------------------------------------------------------

  @Test
  void routedIndexThatDoesNotFitThePrefix() {
    assertDiagnostics(NETS + """
          a:
            host: hv1
            index: 300
            interfaces: [{network: vmnet}]
        """, "inv.yaml:18:12: error: index 300 does not fit routed network 'vmnet': 10.0.0.0/24 has room for indexes 1 to 255");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      0                    | index 0 must be positive (1 or more)
      -3                   | index -3 must be positive (1 or more)
      16777216             | index 16777216 is too large: at most 16777215 (the default MAC has 24 bits for it)
      99999999999999999999 | index 99999999999999999999 is too large: at most 16777215 (the default MAC has 24 bits for it)
      0o100000000          | index 0o100000000 is too large: at most 16777215 (the default MAC has 24 bits for it)
      '"1"'                | 'index' must be an integer, found a string '1'
      1.5                  | 'index' must be an integer, found a float '1.5'
      true                 | 'index' must be an integer, found a boolean 'true'
      ~                    | 'index' must be an integer, found nothing (null)
      """)
  void indexThatIsNotAPositiveIntegerOfAtMost24Bits(String index, String message) {
    assertDiagnostics(NETS + "  a: {host: hv1, index: " + index + ", interfaces: [{network: br0}]}\n", "inv.yaml:16:25: error: " + message);
  }

  @Test
  void octalAndHexIndexesAreYaml12Integers() {
    var result = parse(NETS + """
          a: {host: hv1, index: 0o17, interfaces: [{network: br0}]}
          b: {host: hv1, index: 0x10, interfaces: [{network: br0}]}
        """);
    assertThat(result.diagnostics()).isEmpty();
    assertThat(vm(result, "a").index()).isEqualTo(15);
    assertThat(vm(result, "b").index()).isEqualTo(16);
  }

  @Test
  void interfacesBeyond255NeedAnExplicitMac() {
    var text = new StringBuilder(NETS + "  a:\n    host: hv1\n    index: 1\n    interfaces:\n");
    for (int i = 0; i <= 256; i++) text.append("      - {network: br0, tap: t").append(i).append("}\n");
    assertDiagnostics(text.toString(),
        "inv.yaml:276:9: error: interface 256 of VM 'a' needs an explicit 'mac': default MACs exist for interfaces 0 to 255 only");
  }

  // ---- references ------------------------------------------------------------

  @Test
  void undefinedHostAndNetworkSuggestTheClosestName() {
    assertDiagnostics(NETS + """
          a:
            host: hv2
            index: 1
            interfaces:
              - network: vmnett
        """,
        "inv.yaml:17:11: error: VM 'a' runs on undefined host 'hv2'; did you mean 'hv1'?",
        "inv.yaml:20:18: error: interface 0 of VM 'a' is on undefined network 'vmnett'; did you mean 'vmnet'?");
  }

  @Test
  void undefinedNamesFarFromAnyDefinedOneListThem() {
    assertDiagnostics(NETS + """
          a:
            host: zzzzzz
            index: 1
            interfaces:
              - network: qqqqqqqq
        """,
        "inv.yaml:17:11: error: VM 'a' runs on undefined host 'zzzzzz'; defined: hv1",
        "inv.yaml:20:18: error: interface 0 of VM 'a' is on undefined network 'qqqqqqqq'; defined: br0, vmnet");
  }

  // ---- networks --------------------------------------------------------------

  @Test
  void networksWithoutModeFamilyOrBridge() {
    assertDiagnostics("""
        networks:
          r:
            mode: routed
            dns: [9.9.9.9]
          b:
            mode: bridged
            ipv4: 10.0.0.0/24
          s:
            mode: switched
          d:
            ipv4: 10.1.0.0/24
        """,
        "inv.yaml:3:5: error: routed network 'r' has neither ipv4 nor ipv6: its VMs would get no address",
        "inv.yaml:6:5: error: bridged network 'b' has no 'bridge': name the host bridge its VMs attach to",
        "inv.yaml:9:11: error: mode 'switched' is unknown; expected routed or bridged",
        "inv.yaml:11:5: error: network 'd' has no 'mode'");
  }

  @Test
  void natWithoutIpv4() {
    assertDiagnostics("""
        hosts:
          hv1: {uplink: eth0}
        networks:
          v6:
            mode: routed
            ipv6: fd00::/64
            nat: true
        """, "inv.yaml:7:5: error: nat masquerades IPv4, but network 'v6' has no ipv4 prefix");
  }

  @Test
  void natOnAHostWithoutUplink() {
    assertDiagnostics("""
        hosts:
          hv1: {uplink: eth0}
          hv2: {}
        networks:
          vmnet:
            mode: routed
            ipv4: 10.0.0.0/24
            nat: true
        vms:
          a: {host: hv1, index: 1, interfaces: [{network: vmnet}]}
          b: {host: hv2, index: 2, interfaces: [{network: vmnet}]}
          c: {host: hv2, index: 3, interfaces: [{network: vmnet}]}
        """, "inv.yaml:8:5: error: network 'vmnet' has nat: true, but host 'hv2' (which runs VM 'b' on it) has no uplink to masquerade out of");
  }

  @Test
  void keysOfTheOtherMode() {
    assertDiagnostics("""
        networks:
          r:
            mode: routed
            ipv4: 10.0.0.0/24
            bridge: br1
            shared: true
            trusted-ports: [x]
            gateways: [10.0.0.1]
          b:
            mode: bridged
            bridge: br0
            nat: false
            host-services: [udp/53]
        """,
        "inv.yaml:5:5: error: 'bridge' applies to bridged networks only; network 'r' is routed",
        "inv.yaml:6:5: error: 'shared' applies to bridged networks only; network 'r' is routed",
        "inv.yaml:7:5: error: 'trusted-ports' applies to bridged networks only; network 'r' is routed",
        "inv.yaml:8:5: error: 'gateways' applies to bridged networks only; network 'r' is routed",
        "inv.yaml:12:5: error: 'nat' applies to routed networks only; network 'b' is bridged",
        "inv.yaml:13:5: error: 'host-services' applies to routed networks only; network 'b' is bridged");
  }

  @Test
  void badHostServices() {
    String expected = "is invalid: expected tcp/PORT or udp/PORT with a port from 1 to 65535";
    assertDiagnostics("""
        networks:
          r:
            mode: routed
            ipv4: 10.0.0.0/24
            host-services: [udp/53, tcp/0, tcp/65536, sctp/1, udp, "udp/53;drop", tcp/053]
        """,
        "inv.yaml:5:29: error: host service 'tcp/0' " + expected,
        "inv.yaml:5:36: error: host service 'tcp/65536' " + expected,
        "inv.yaml:5:47: error: host service 'sctp/1' " + expected,
        "inv.yaml:5:55: error: host service 'udp' " + expected,
        "inv.yaml:5:60: error: host service 'udp/53;drop' " + expected,
        "inv.yaml:5:75: error: host service 'tcp/053' " + expected);
  }

  @Test
  void gatewaysOutsideThePrefixOfAMissingFamilyOrTwoOfAFamily() {
    assertDiagnostics("""
        networks:
          b:
            mode: bridged
            bridge: br0
            ipv4: 198.51.100.0/24
            ipv6: 2001:db8::/64
            gateways: [198.51.101.1, 2001:db9::1, "fe80::1", 198.51.100.1, 198.51.100.2]
          c:
            mode: bridged
            bridge: br1
            ipv4: 192.0.2.0/24
            gateways: [2001:db8::1]
        """,
        "inv.yaml:7:16: error: gateway 198.51.101.1 is outside network 'b' (198.51.100.0/24)",
        "inv.yaml:7:30: error: gateway 2001:db9::1 is outside network 'b' (2001:db8::/64)",
        "inv.yaml:7:68: error: a second IPv4 gateway; give at most one per address family",
        "inv.yaml:12:16: error: gateway 2001:db8::1 is IPv6, but network 'c' has no ipv6 prefix");
  }

  @Test
  void siteLocalPrefixIsAWarningAndTheInventoryStaysValid() {
    var result = parse("""
        hosts:
          hv1: {}
        networks:
          vmnet:
            mode: routed
            ipv6: fec0::/64
        vms:
          a: {host: hv1, index: 1, interfaces: [{network: vmnet}]}
        """);
    assertThat(result.diagnostics()).extracting(Diagnostic::toString).containsExactly(
        "inv.yaml:6:11: warning: fec0::/64 is in the deprecated site-local range fec0::/10 (RFC 3879); prefer a unique local prefix in fd00::/8");
    assertThat(result.ok()).isTrue();
    assertThat(vm(result, "a").interfaces().getFirst().addresses()).containsExactly(new IPAddressString("fec0::1").getAddress());
  }

  // ---- names that could inject syntax ----------------------------------------

  /** Names with a character that means something in nft, XML, INI, Nix or a shell, and the empty and dot names. */
  private static final String[] HOSTILE = {"a\"b", "a;b", "a{b", "a}b", "$a", "a'b", "a<b", "a&b", "a\nb", "a b", "a/b", "a`b", "..", ""};

  /** Each hostile name as a double-quoted YAML scalar, and as messages show it (control characters escaped). */
  static Stream<Arguments> hostileNames() {
    return Stream.of(HOSTILE).map(n -> Arguments.of(
        "\"" + n.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"",
        n.replace("\n", "\\x0a")));
  }

  @ParameterizedTest
  @MethodSource("hostileNames")
  void hostileVmName(String yaml, String shown) {
    assertDiagnostics(NETS + "  " + yaml + ": {host: hv1, index: 1, interfaces: [{network: br0}]}\n",
        "inv.yaml:16:3: error: VM name '" + shown + "' is invalid: use 1 to 63 characters from [A-Za-z0-9_.-], starting with a letter or digit");
  }

  @ParameterizedTest
  @MethodSource("hostileNames")
  void hostileHostAndNetworkNames(String yaml, String shown) {
    String rule = "' is invalid: use 1 to 63 characters from [A-Za-z0-9_.-], starting with a letter or digit";
    assertDiagnostics("hosts:\n  " + yaml + ": {}\nnetworks:\n  " + yaml + ": {mode: routed, ipv4: 10.0.0.0/24}\n",
        "inv.yaml:2:3: error: host name '" + shown + rule,
        "inv.yaml:4:3: error: network name '" + shown + rule);
  }

  @ParameterizedTest
  @MethodSource("hostileNames")
  void hostileInterfaceNames(String yaml, String shown) {
    String rule = "' is not a valid interface name: use 1 to 15 characters from [A-Za-z0-9_.-]";
    assertDiagnostics("hosts:\n  hv1: {uplink: " + yaml + "}\n"
        + "networks:\n  br0: {mode: bridged, bridge: " + yaml + ", trusted-ports: [" + yaml + "]}\n"
        + "vms:\n  a: {host: hv1, index: 1, interfaces: [{network: br0, tap: " + yaml + "}]}\n",
        "inv.yaml:2:17: error: uplink '" + shown + rule,
        "inv.yaml:4:32: error: bridge '" + shown + rule,
        "inv.yaml:4:" + (50 + yaml.length()) + ": error: trusted port '" + shown + rule,
        "inv.yaml:6:61: error: tap '" + shown + rule);
  }

  @Test
  void interfaceNamesLongerThan15Characters() {
    assertDiagnostics("""
        hosts:
          hv1:
            uplink: enp0s31f6abcdefgh
        networks:
          b:
            mode: bridged
            bridge: br-very-long-name0
            trusted-ports: [vxlan1000000000000]
        vms:
          a:
            host: hv1
            index: 1
            interfaces:
              - network: b
                tap: tap-0123456789ab
        """,
        "inv.yaml:3:13: error: uplink 'enp0s31f6abcdefgh' is 17 characters long; Linux interface names have at most 15",
        "inv.yaml:7:13: error: bridge 'br-very-long-name0' is 18 characters long; Linux interface names have at most 15",
        "inv.yaml:8:21: error: trusted port 'vxlan1000000000000' is 18 characters long; Linux interface names have at most 15",
        "inv.yaml:15:14: error: tap 'tap-0123456789ab' is 16 characters long; Linux interface names have at most 15");
  }

  @Test
  void fifteenCharacterNamesAreFine() {
    var result = parse(NETS + "  a: {host: hv1, index: 1, interfaces: [{network: br0, tap: tap-0123456789a}]}\n");
    assertThat(result.diagnostics()).isEmpty();
  }

  // ---- everything at once ----------------------------------------------------

  @Test
  void manyErrorsAreAllReportedInPositionOrder() {
    assertDiagnostics("""
        hosts:
          hv1: {}
        networks:
          n:
            mode: routed
            ipv4: 10.0.0.1/24
            colour: red
        vms:
          b:
            host: hv9
            index: 0
            interfaces:
              - network: n
                mac: ff:ff:ff:ff:ff:ff
          a:
            hots: hv1
            index: 1
            interfaces:
              - network: m
        """,
        "inv.yaml:6:11: error: prefix '10.0.0.1/24' has host bits set; did you mean 10.0.0.0/24?",
        "inv.yaml:7:5: error: unknown key 'colour' in network 'n'; known keys: bridge, dns, gateways, host-services, ipv4, ipv6, mode, nat,"
            + " shared, trusted-ports",
        "inv.yaml:10:11: error: VM 'b' runs on undefined host 'hv9'; did you mean 'hv1'?",
        "inv.yaml:11:12: error: index 0 must be positive (1 or more)",
        "inv.yaml:14:14: error: MAC address ff:ff:ff:ff:ff:ff is multicast (lowest bit of the first byte set); a VM needs a unicast MAC",
        "inv.yaml:16:5: error: VM 'a' has no 'host'",
        "inv.yaml:16:5: error: unknown key 'hots' in VM 'a'; did you mean 'host'?",
        "inv.yaml:19:18: error: interface 0 of VM 'a' is on undefined network 'm'; did you mean 'n'?");
  }

  @Test
  void everyDiagnosticHasTheFileLineColumnForm() {
    var result = parse(NETS + """
          a: {host: hv2, index: x, interfaces: [{network: nope, mac: 01:00:00:00:00:00, tap: "t;"}]}
        """);
    assertThat(result.diagnostics()).isNotEmpty()
        .extracting(Diagnostic::toString)
        .allMatch(line -> line.matches("inv\\.yaml:\\d+:\\d+: error: [^\\n]+"));
  }

  // ---- valid inventories -----------------------------------------------------

  static List<Path> examples() {
    return Examples.all();
  }

  @ParameterizedTest
  @MethodSource("examples")
  void everyExampleIsValidWithoutWarnings(Path example) {
    var result = InventoryReader.read(example);
    assertThat(result.diagnostics()).isEmpty();
    assertThat(result.ok()).isTrue();
  }

  @Test
  void unreadableFileIsOneError() {
    var result = InventoryReader.read(Path.of("does/not/exist.yaml"));
    assertThat(result.diagnostics()).extracting(Diagnostic::toString)
        .containsExactly("does/not/exist.yaml:1:1: error: cannot read: does/not/exist.yaml");
  }

  @Test
  void routedVmGetsAddressesTapAndMacFromItsIndex() {
    var builder = vm(InventoryReader.read(Path.of("examples/microvm-routed.yaml")), "builder").interfaces().getFirst();
    assertThat(builder.addresses()).extracting(AddressPlan::text).containsExactly("10.0.0.26", "fd00:0:0:1::1a");
    assertThat(builder.tap()).isEqualTo("vm26");
    assertThat(AddressPlan.text(builder.mac())).isEqualTo("02:6e:00:00:00:1a");
    assertThat(builder.routedPrefixes()).extracting(AddressPlan::text).containsExactly("10.0.1.0/28", "fd00:0:0:2::/64");
  }

  @Test
  void defaultsOfTheDesignExample() {
    var result = InventoryReader.read(Path.of("examples/inventory.yaml"));
    var web = vm(result, "web").interfaces().getFirst();
    assertThat(web.tap()).isEqualTo("vm5");
    assertThat(AddressPlan.text(web.mac())).isEqualTo("02:6e:00:00:00:05");
    assertThat(web.addresses()).extracting(AddressPlan::text).containsExactly("10.0.0.5", "fd00:0:0:1::5");
    var vm1 = vm(result, "vm1").interfaces().getFirst();
    assertThat(vm1.slaac()).isTrue();
    assertThat(vm1.addresses()).extracting(AddressPlan::text).containsExactly("2a0a:e5c1:111:888:0:f0ff:fea9:c44e");
    assertThat(AddressPlan.text(vm1.linkLocal())).isEqualTo("fe80::f0ff:fea9:c44e");
  }
}
