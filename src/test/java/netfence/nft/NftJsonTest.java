package netfence.nft;

import static netfence.nft.Field.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import netfence.nft.Nft;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** NftJson on a ruleset captured from the real kernel (see src/test/resources/nft/README.md). */
class NftJsonTest {
  static List<Nft.Table> tables;

  @BeforeAll
  static void read() throws Exception {
    tables = NftJson.read(Files.readString(Path.of("src/test/resources/nft/uncloud-and-microvm.ruleset.json")));
  }

  static Nft.Table table(String family) {
    return tables.stream().filter(t -> t.family().nft().equals(family)).findFirst().orElseThrow();
  }

  @Test
  void readsBothTablesWithCountersSetsAndChainsInOrder() {
    assertThat(tables).extracting(t -> t.family() + " " + t.name()).containsExactly("bridge netfence", "inet netfence");
    var bridge = table("bridge");
    assertThat(bridge.counters()).startsWith("forged_mac", "forged_src").contains("frag_evasion", "lla_spoof", "dhcp_chaddr").hasSize(12);
    assertThat(bridge.sets()).extracting(Nft.Set::name).startsWith(
        "port_verdict", "named_ports", "foreign_ports", "port_mac", "ip4_addr", "ip4_net", "ip6_addr", "ip6_net", "nd_target", "arp_ok",
        "port_lla", "ethertype")
        .contains("vm_forged_src", "vm_ra");
    assertThat(bridge.set("vm_ra").orElseThrow().data()).isEqualTo(Nft.Data.COUNTER);
    // An element the packet path made, with its count: read by its key.
    assertThat(bridge.set("vm_ra").orElseThrow().elements()).containsExactly(Nft.Element.of("\"tap1\""));
    assertThat(bridge.chain("drop_ra").orElseThrow().rules().getFirst().verdict())
        .contains(new Nft.CountIn(List.of(Field.IIFNAME), "vm_ra"));
    assertThat(bridge.chains()).extracting(Nft.Chain::name)
        .startsWith("prerouting", "ok4", "ok6", "trusted", "from_vm", "vm4", "vm6", "pass", "vm_nd", "vm6_frag", "vmarp", "forward")
        .contains("drop_ra", "drop_forged_src");
    assertThat(bridge.chain("prerouting").orElseThrow().hook()).contains(new Nft.Hook("filter", "prerouting", -200, "accept"));
    assertThat(table("inet").chain("postrouting").orElseThrow().hook()).contains(new Nft.Hook("nat", "postrouting", 100, "accept"));
  }

  @Test
  void verdictMapsConcatsPrefixesAndQuotedInterfaceNames() {
    var bridge = table("bridge");
    var verdicts = bridge.set("port_verdict").orElseThrow();
    assertThat(verdicts.verdicts()).isTrue();
    assertThat(verdicts.elements()).contains(
        new Nft.Element(List.of("\"vxlan100\""), Optional.of(new Nft.Jump("trusted"))),
        new Nft.Element(List.of("\"tap1\""), Optional.of(new Nft.Jump("from_vm"))));
    assertThat(bridge.set("foreign_ports").orElseThrow().elements()).containsExactly(Nft.Element.of("\"rogue0\""));
    var net = bridge.set("ip4_net").orElseThrow();
    assertThat(net.interval()).isTrue();
    assertThat(net.elements()).containsExactly(Nft.Element.of("\"v343a-0\"", "02:00:f0:a9:c4:4f", "203.0.113.16/28"));
    assertThat(table("inet").set("host_services").orElseThrow().elements()).contains(Nft.Element.of("\"vm5\"", "udp", "53"));
  }

  @Test
  void rawPayloadSetTakesItsKeyFromTheRuleAndItsElementsAsHex() {
    var nd = table("bridge").set("nd_target").orElseThrow();
    // the JSON only says "integer": the key comes from the rule that looks the set up
    assertThat(nd.key()).containsExactly(IIFNAME, ETHER_SADDR, ND_TARGET);
    assertThat(nd.elements()).contains(Nft.Element.of("\"tap1\"", "02:00:f0:a9:c4:4e", "0xfe800000000000000000f0fffea9c44e"));
  }

  @Test
  void rulesWithMatchesCountersAndVerdicts() {
    var bridge = table("bridge");
    assertThat(bridge.chain("prerouting").orElseThrow().rules()).containsExactly(
        new Nft.Rule(List.of(new Nft.InSet(ETHER_TYPE, List.of("8021q", "8021ad"), false)), Optional.empty(),
            Optional.of(new Nft.Vmap(List.of(IIFNAME), "port_verdict"))),
        new Nft.Rule(List.of(new Nft.InNamedSet(List.of(IIFNAME, ETHER_SADDR, IP_SADDR), "ip4_addr", false)), Optional.empty(),
            Optional.of(new Nft.Jump("ok4"))),
        new Nft.Rule(List.of(new Nft.InNamedSet(List.of(IIFNAME, ETHER_SADDR, IP6_SADDR), "ip6_addr", false)), Optional.empty(),
            Optional.of(new Nft.Jump("ok6"))),
        new Nft.Rule(List.of(), Optional.empty(), Optional.of(new Nft.Vmap(List.of(IIFNAME), "port_verdict"))),
        new Nft.Rule(List.of(new Nft.InNamedSet(List.of(IIFNAME), "foreign_ports", false)), Optional.of("unknown_port"),
            Optional.of(new Nft.Drop())));
    var vm4 = bridge.chain("vm4").orElseThrow().rules();
    assertThat(vm4.getFirst()).isEqualTo(new Nft.Rule(List.of(Nft.eq(UDP_SPORT, "67")), Optional.empty(), Optional.of(new Nft.Jump("drop_rogue_dhcp"))));
    assertThat(bridge.chain("drop_rogue_dhcp").orElseThrow().rules()).containsExactly(
        new Nft.Rule(List.of(), Optional.empty(), Optional.of(new Nft.CountIn(List.of(IIFNAME), "vm_rogue_dhcp"))),
        new Nft.Rule(List.of(), Optional.of("rogue_dhcp"), Optional.of(new Nft.Drop())));
    // the dependency nft could not hide is kept as the kernel has it
    assertThat(vm4.get(1).matches()).containsExactly(Nft.eq(UDP_DPORT, "67"), new Nft.InNamedSet(List.of(IIFNAME, DHCP_CHADDR), "port_lla", true));
    assertThat(vm4.get(2).matches()).containsExactly(Nft.eq(ETHER_TYPE, "ip"), Nft.eq(IGMP_TYPE, "membership-query"));
    assertThat(vm4.get(4).matches()).containsExactly(new Nft.InNamedSet(List.of(IIFNAME, ETHER_SADDR), "port_mac", true));
    var frag = bridge.chain("vm6_frag").orElseThrow().rules();
    assertThat(frag.get(0).matches()).containsExactly(Nft.ne(FRAG_OFF, "0"));
    assertThat(frag.get(2).matches()).containsExactly(new Nft.Equals(TH_HEAD, Nft.Op.GE, "0"));
    assertThat(bridge.chain("vm6").orElseThrow().rules().getFirst())
        .isEqualTo(new Nft.Rule(List.of(Nft.eq(FRAG_HDR, "exists")), Optional.empty(), Optional.of(new Nft.Jump("vm6_frag"))));
    // A host with shared bridges only has no conntrack running, so no notrack either.
    assertThat(bridge.chain("trusted").orElseThrow().rules()).extracting(r -> r.verdict().orElseThrow())
        .containsExactly(new Nft.Accept());
    var nat = table("inet").chain("postrouting").orElseThrow().rules().getFirst();
    assertThat(nat.matches()).containsExactly(new Nft.InNamedSet(List.of(IP_SADDR), "nat4", false), Nft.eq(OIFNAME, "\"enp0s3\""));
    assertThat(nat.verdict()).contains(new Nft.Masquerade());
    assertThat(table("inet").chain("routed_input").orElseThrow().rules().get(2).matches())
        .containsExactly(Nft.ne(TCP_SYN_ACK, "syn"));
  }

  @Test
  void namesWhatItCannotRepresent() {
    String table = "{\"table\": {\"family\": \"inet\", \"name\": \"t\", \"handle\": 1}}, "
        + "{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"c\", \"handle\": 1}}";
    assertThatThrownBy(() -> NftJson.read(doc(table, rule("{\"counter\": {\"packets\": 0, \"bytes\": 0}}"))))
        .isInstanceOf(NftJson.NotRepresentable.class).hasMessageContaining("table inet t chain c rule handle 7")
        .hasMessageContaining("anonymous counter");
    assertThatThrownBy(() -> NftJson.read(doc(table, rule("{\"goto\": {\"target\": \"c\"}}"))))
        .hasMessageContaining("cannot represent statement 'goto'");
    assertThatThrownBy(() -> NftJson.read(doc(table, rule("{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"mark\"}}, \"right\": 1}}"))))
        .hasMessageContaining("cannot represent expression {\"meta\":{\"key\":\"mark\"}}");
    assertThatThrownBy(() -> NftJson.read(doc(table,
        "{\"set\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"s\", \"type\": \"ipv4_addr\", \"handle\": 2, \"flags\": [\"timeout\"]}}")))
        .hasMessageContaining("table inet t set s: cannot represent set flag 'timeout'");
    assertThatThrownBy(() -> NftJson.read(doc(table,
        "{\"flowtable\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"f\", \"handle\": 3}}")))
        .hasMessageContaining("cannot represent nft object 'flowtable'");
    assertThatThrownBy(() -> NftJson.read("{\"nftables\": ")).isInstanceOf(NftJson.NotRepresentable.class).hasMessageStartingWith("not JSON");
  }

  private static String rule(String expr) {
    return "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"c\", \"handle\": 7, \"expr\": [" + expr + "]}}";
  }

  private static String doc(String... items) {
    return "{\"nftables\": [" + String.join(", ", items) + "]}";
  }
}
