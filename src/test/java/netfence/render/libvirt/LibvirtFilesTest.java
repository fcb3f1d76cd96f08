package netfence.render.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import netfence.policy.HostPolicy;
import netfence.testing.Examples;
import netfence.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Element;
import org.xml.sax.InputSource;

class LibvirtFilesTest {
  static Stream<Path> examples() {
    return Examples.all().stream();
  }

  static Map<String, String> filesOf(Path example) {
    var inv = Examples.load(example);
    return LibvirtFiles.of(HostPolicy.of(inv, inv.hosts().getFirst().name()));
  }

  /** Interfaces per example; the filter set once, since it does not depend on the inventory. */
  @ParameterizedTest
  @MethodSource("examples")
  void matchesGoldenFiles(Path example) {
    filesOf(example).forEach((path, text) -> {
      if (path.startsWith(LibvirtFiles.INTERFACE_DIR)) Golden.assertMatches(Examples.name(example) + "/" + path, text);
      else Golden.assertMatches("libvirt-nwfilter/" + path, text);
    });
  }

  @Test
  void filterSetIsTheSameForEveryInventory() {
    var sets = examples().map(LibvirtFilesTest::filesOf)
        .map(f -> f.entrySet().stream().filter(e -> e.getKey().startsWith(LibvirtFiles.NWFILTER_DIR)).toList())
        .distinct().toList();
    assertThat(sets).hasSize(1);
    assertThat(sets.getFirst()).hasSize(8);
  }

  @ParameterizedTest
  @MethodSource("examples")
  void everyFileIsWellFormedXml(Path example) throws Exception {
    for (var text : filesOf(example).values()) {
      var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(text)));
      assertThat(doc.getDocumentElement().getTagName()).isIn("filter", "devices");
    }
  }

  /** Redefining a filter works only under the same UUID, so it must not change between runs or releases. */
  @Test
  void filterUuidsAreStable() {
    assertThat(NwFilters.uuid("netfence-clean-traffic")).isEqualTo(UUID.fromString("ab66c2e9-b4cb-3e66-ace3-48fc5886fa34"));
    assertThat(Xml.document(NwFilters.root(NwFilters.Variant.DUAL_STACK))).contains("<uuid>ab66c2e9-b4cb-3e66-ace3-48fc5886fa34</uuid>");
  }

  /**
   * With ebtables-nft a libvirt sub-chain ends in a hidden ACCEPT: every sub-filter of
   * ours must end in a catch-all (no match element) return or drop at the highest priority.
   */
  @Test
  void everySubFilterEndsWithACatchAll() throws Exception {
    for (var f : NwFilters.subFilters()) {
      var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
          .parse(new InputSource(new StringReader(Xml.document(f))));
      var rules = doc.getElementsByTagName("rule");
      var last = (Element) rules.item(rules.getLength() - 1);
      assertThat(last.getAttribute("action")).as(NwFilters.name(f)).isIn("return", "drop");
      assertThat(last.getAttribute("priority")).as(NwFilters.name(f)).isEqualTo("1000");
      assertThat(last.getElementsByTagName("*").getLength()).as(NwFilters.name(f)).isZero();
    }
  }

  @Test
  void variantFollowsTheFamiliesOfTheAddresses() {
    var uncloud = Examples.load(Path.of("examples/uncloud-bridge.yaml"));
    var ports = HostPolicy.of(uncloud, "hv1").ports();
    // vm3 has only a SLAAC address: no IPv4, no ARP
    assertThat(ports.stream().filter(p -> p.vm().equals("vm3")).map(LibvirtFiles::variant))
        .containsExactly(NwFilters.Variant.IPV6_ONLY);
    assertThat(ports.stream().filter(p -> p.vm().equals("vm2")).map(LibvirtFiles::variant))
        .containsExactly(NwFilters.Variant.DUAL_STACK);
  }

  @Test
  void routedPrefixesArePassedWithTheirLength() {
    var text = filesOf(Path.of("examples/uncloud-bridge.yaml")).get("libvirt/interface/vm2.xml");
    assertThat(text)
        .contains("<parameter name='IPSRC' value='203.0.113.16'/>\n      <parameter name='IPSRCMASK' value='28'/>")
        .contains("<parameter name='IPV6SRC' value='2a0a:e5c1:111:1234::'/>\n      <parameter name='IPV6SRCMASK' value='64'/>");
  }

  @Test
  void valuesThatWouldBeMarkupAreRefused() {
    assertThatThrownBy(() -> Xml.element("source", "bridge", "br0'/><evil"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bug");
    assertThatThrownBy(() -> new Xml.Text("a&b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Xml.Comment.of("end -- here")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Xml.element("bad name")).isInstanceOf(IllegalArgumentException.class);
  }
}
