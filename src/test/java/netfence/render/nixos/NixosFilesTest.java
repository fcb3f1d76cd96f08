package netfence.render.nixos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import netfence.model.Inventory;
import netfence.policy.HostPolicy;
import netfence.testing.Examples;
import netfence.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class NixosFilesTest {
  @ParameterizedTest
  @MethodSource("netfence.testing.Examples#all")
  void everyExampleMatchesItsGoldenFiles(Path example) {
    Inventory inv = Examples.load(example);
    for (var host : inv.hosts()) {
      var files = NixosFiles.of(HostPolicy.of(inv, host.name()));
      assertThat(files).containsKey("nixos/host.nix");
      assertThat(files.keySet()).filteredOn(k -> k.startsWith("nixos/vm/")).hasSize(inv.vmsOn(host.name()).size());
      String dir = Examples.name(example) + (inv.hosts().size() == 1 ? "" : "/" + host.name());
      files.forEach((path, text) -> Golden.assertMatches(dir + "/" + path, text));
    }
  }

  @Test
  void nixosUsesThePerFamilyForwardingNames() {
    String host = NixosFiles.of(policy()).get("nixos/host.nix");
    assertThat(host).contains("IPv4Forwarding = true;", "IPv6Forwarding = true;").doesNotContain("IPForward ");
  }

  @Test
  void guestRoutesAreTheNetworkdGuestRoutes() {
    String web = NixosFiles.of(policy()).get("nixos/vm/web.nix");
    assertThat(web).contains(
        "{ Destination = \"10.0.0.0/32\"; }",
        "{ Destination = \"0.0.0.0/0\"; Gateway = \"10.0.0.0\"; GatewayOnLink = true; }",
        "{ Destination = \"::/0\"; Gateway = \"fd00:0:0:1::\"; GatewayOnLink = true; }");
  }

  @Test
  void indentedStringsEscapeQuotesAndDollars() {
    // Cannot come from validated names; the nft body is free text, so it is handled anyway.
    assertThat(Nix.escapeIndented("a''b ${x} '${ $''")).isEqualTo("a''\\'''\\'b ''${x} ''\\'''${ ''$''\\'''\\'");
    assertThat(Nix.escapeIndented("\tchain input {")).isEqualTo("\tchain input {");
  }

  @Test
  void doubleQuotedStringsRefuseWhatWouldNeedEscaping() {
    for (String bad : List.of("a\"b", "a\\b", "${x}", "a\nb")) {
      assertThatThrownBy(() -> Nix.str(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void attributeNamesAreQuotedUnlessPlainIdentifiers() {
    assertThat(Nix.name("matchConfig")).isEqualTo("matchConfig");
    assertThat(Nix.name("30-vm5")).isEqualTo("\"30-vm5\"");
    assertThat(Nix.name("in")).isEqualTo("\"in\"");
    assertThat(Nix.name("eth0.100")).isEqualTo("\"eth0.100\"");
  }

  @Test
  void singleScalarSetsBecomeDottedPaths() {
    var m = Nix.module(List.of(), List.of(Nix.bind("a", new Nix.Attrs(List.of(Nix.bind("b", Nix.str("c"))))),
        new Nix.Binding(List.of("x"), new Nix.Bool(false), Optional.empty())));
    assertThat(m).isEqualTo("{ ... }:\n\n{\n  a.b = \"c\";\n\n  x = false;\n}\n");
  }

  static HostPolicy policy() {
    return HostPolicy.of(Examples.load(Path.of("examples/microvm-routed.yaml")), "hv1");
  }
}
