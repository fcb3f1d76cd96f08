package netfence.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import netfence.policy.HostPolicy;
import netfence.nft.Nft;
import netfence.render.nft.NftPolicy;
import netfence.testing.Examples;
import netfence.nft.NftJson;
import org.junit.jupiter.api.Test;

/** The desired tables against what the kernel printed back for them (captured JSON, no kernel needed). */
class TableDiffTest {
  static final List<Nft.Table> LIVE = read();

  static List<Nft.Table> read() {
    try {
      return NftJson.read(Files.readString(Path.of("src/test/resources/nft/uncloud-and-microvm.ruleset.json")));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static Nft.Table live(String family) {
    return LIVE.stream().filter(t -> t.family().nft().equals(family)).findFirst().orElseThrow();
  }

  /** The example's bridge table (every host has both; the routed example's inet table is its only non-empty one). */
  static Nft.Table desired(String example, List<String> foreign) {
    var inv = Examples.load(Path.of("examples/" + example + ".yaml"));
    var tables = NftPolicy.tables(HostPolicy.of(inv, "hv1"), foreign);
    return example.equals("microvm-routed") ? tables.get(1) : tables.getFirst();
  }

  @Test
  void whatTheKernelPrintsBackEqualsWhatWasRendered() {
    // hash order, quoting, 53 vs "53", ether type dependency, { one prefix } printed as a plain prefix
    assertThat(TableDiff.of(desired("uncloud-bridge", List.of("rogue0")), Optional.of(live("bridge")))).isEqualTo(new TableDiff.Same());
    assertThat(TableDiff.of(desired("microvm-routed", List.of()), Optional.of(live("inet")))).isEqualTo(new TableDiff.Same());
  }

  @Test
  void onlyElementsDiffer() {
    var outcome = TableDiff.of(desired("uncloud-bridge", List.of("rogue1")), Optional.of(live("bridge")));
    assertThat(outcome).isEqualTo(new TableDiff.Elements(
        List.of(new TableDiff.ElementChange("foreign_ports", Nft.Element.of("\"rogue0\""))),
        List.of(new TableDiff.ElementChange("foreign_ports", Nft.Element.of("\"rogue1\"")))));
  }

  @Test
  void dropCountsOfPortsStayAndThoseOfTapsNoPortHasGo() {
    // The kernel made vm_ra { "tap1" } (tap1 is vm1's) and vm_ra { "gone0" } (no port's any more).
    var l = live("bridge");
    var sets = l.sets().stream().map(s -> !s.name().equals("vm_ra") ? s : new Nft.Set(s.name(), s.key(), s.interval(), s.data(),
        List.of(Nft.Element.of("\"tap1\""), Nft.Element.of("\"gone0\"")))).toList();
    var withGone = new Nft.Table(l.family(), l.name(), l.counters(), sets, l.chains());
    assertThat(TableDiff.of(desired("uncloud-bridge", List.of("rogue0")), Optional.of(withGone))).isEqualTo(new TableDiff.Elements(
        List.of(new TableDiff.ElementChange("vm_ra", Nft.Element.of("\"gone0\""))), List.of()));
  }

  @Test
  void valuesAreComparedInCanonicalForm() {
    var d = desired("uncloud-bridge", List.of("rogue0"));
    var sets = new ArrayList<Nft.Set>();
    for (var s : d.sets()) {
      var elements = s.elements().stream().map(e -> new Nft.Element(e.key().stream().map(TableDiffTest::spelledOtherwise).toList(),
          e.verdict())).toList();
      sets.add(new Nft.Set(s.name(), s.key(), s.interval(), s.data(), elements));
    }
    var respelled = new Nft.Table(d.family(), d.name(), d.counters(), sets, d.chains());
    assertThat(TableDiff.of(respelled, Optional.of(live("bridge")))).isEqualTo(new TableDiff.Same());
  }

  /** The same value as someone else might write it: unquoted names, upper-case MACs and hex, uncompressed IPv6. */
  private static String spelledOtherwise(String v) {
    if (v.startsWith("\"")) return v.substring(1, v.length() - 1);
    if (v.startsWith("0x")) return "0x" + v.substring(2).toUpperCase();
    if (v.matches("([0-9a-f]{2}:){5}[0-9a-f]{2}")) return v.toUpperCase();
    if (v.contains("::") && !v.contains("/")) return new inet.ipaddr.IPAddressString(v).getAddress().toFullString();
    return v;
  }

  @Test
  void aDifferentRuleOrMissingTableMeansReplace() {
    var d = desired("uncloud-bridge", List.of("rogue0"));
    var chains = new ArrayList<>(d.chains());
    int at = chains.stream().map(Nft.Chain::name).toList().indexOf("vm4");
    var vm4 = chains.get(at);
    chains.set(at, new Nft.Chain(vm4.name(), vm4.hook(), vm4.rules().subList(1, vm4.rules().size())));
    var changed = new Nft.Table(d.family(), d.name(), d.counters(), d.sets(), chains);
    assertThat(TableDiff.of(changed, Optional.of(live("bridge"))))
        .isInstanceOfSatisfying(TableDiff.Replace.class, r -> assertThat(r.reason()).startsWith("chain vm4 rule 1 is 'udp sport 67"));
    assertThat(TableDiff.of(d, Optional.empty())).isEqualTo(new TableDiff.Replace("table missing"));
  }
}
