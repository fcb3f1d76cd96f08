package netfence.render.nixos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import netfence.dataplane.Exec;
import netfence.policy.HostPolicy;
import netfence.render.networkd.NetworkdFiles;
import netfence.render.networkd.UnitFile;
import netfence.render.nft.NftPolicy;
import netfence.testing.Examples;
import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated modules through the real Nix parser and evaluator: every
 * file parses, the nft table bodies come out byte for byte, and the
 * {@code systemd.network} attributes say what the networkd files say.
 */
@Tag("kernel")
class NixInstantiateTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @MethodSource("netfence.testing.Examples#all")
  void generatedModulesParseAndEvaluateToWhatNetworkdGets(Path example) throws IOException {
    Kernel.require("nix-instantiate");
    var inv = Examples.load(example);
    Path dir = Files.createTempDirectory("nfnd-nix-");
    try {
      for (var host : inv.hosts()) {
        var policy = HostPolicy.of(inv, host.name());
        var files = NixosFiles.of(policy);
        for (var e : files.entrySet()) {
          Path f = dir.resolve(host.name()).resolve(e.getKey());
          Files.createDirectories(f.getParent());
          Files.writeString(f, e.getValue());
          var parsed = Exec.run(List.of("nix-instantiate", "--parse", f.toString()));
          assertThat(parsed.exitCode()).as("nix-instantiate --parse %s: %s", e.getKey(), parsed.stderr()).isZero();
        }
        Path hostNix = dir.resolve(host.name()).resolve("nixos/host.nix");
        JsonNode tables = eval(hostNix, "networking.nftables.tables");
        for (var t : NftPolicy.tables(policy)) {
          JsonNode table = tables.path(netfence.nft.Nft.TABLE + "-" + t.family().nft());
          assertThat(table.path("content").asText()).isEqualTo(netfence.nft.NftText.body(t));
          assertThat(table.path("family").asText()).isEqualTo(t.family().nft());
        }
        JsonNode networks = eval(hostNix, "systemd.network.networks");
        JsonNode netdevs = eval(hostNix, "systemd.network.netdevs");
        NetworkdFiles.hostUnits(policy, NixosFiles.NIXOS_SYSTEMD).forEach((file, unit) -> {
          String name = file.substring(0, file.lastIndexOf('.'));
          assertSame(unit, (file.endsWith(".netdev") ? netdevs : networks).path(name), file);
        });
        for (var vm : NetworkdFiles.guestUnits(policy).entrySet()) {
          JsonNode guest = eval(dir.resolve(host.name()).resolve("nixos/vm/" + vm.getKey() + ".nix"), "systemd.network.networks");
          vm.getValue().forEach((file, unit) -> assertSame(unit, guest.path(file.substring(0, file.lastIndexOf('.'))), vm.getKey() + "/" + file));
        }
      }
    } finally {
      delete(dir);
    }
  }

  @Test
  void indentedStringsSurviveQuotesDollarsAndIndentation() throws IOException {
    Kernel.require("nix-instantiate");
    String tricky = "a''b ${x} '${ $'' end'\n\n\tchain {\n  two spaces\n'\n";
    String module = Nix.module(List.of(), List.of(Nix.bind("text", new Nix.Indented(tricky))));
    Path dir = Files.createTempDirectory("nfnd-nix-");
    try {
      Path f = dir.resolve("m.nix");
      Files.writeString(f, module);
      assertThat(eval(f, "text").asText()).isEqualTo(tricky);
    } finally {
      delete(dir);
    }
  }

  /** The attribute at {@code path} of the module in {@code file}, evaluated as JSON. */
  private static JsonNode eval(Path file, String path) throws IOException {
    var r = Exec.run(List.of("nix-instantiate", "--eval", "--strict", "--json", "--readonly-mode", "-E",
        "(import " + file.toAbsolutePath() + " {})." + path + " or {}"));
    assertThat(r.exitCode()).as("nix-instantiate --eval %s: %s", file, r.stderr()).isZero();
    return JSON.readTree(r.stdout());
  }

  /** The evaluated attributes turned back into sections of Key=value lines equal the unit file. */
  private static void assertSame(UnitFile unit, JsonNode attrs, String what) {
    assertThat(attrs.isObject()).as("%s is in the module", what).isTrue();
    var expected = new ArrayList<String>();
    var network = new ArrayList<String>();
    for (var s : unit.sections()) {
      for (var e : s.entries()) {
        String line = s.name() + ": " + e.key() + "=" + e.value();
        if (s.name().equals("Network")) network.add(line);
        else expected.add(line);
      }
    }
    var actual = new ArrayList<String>();
    var actualNetwork = new ArrayList<String>();
    lines("Match", attrs.path("matchConfig"), actual);
    lines("NetDev", attrs.path("netdevConfig"), actual);
    for (JsonNode route : attrs.path("routes")) lines("Route", route, actual);
    for (JsonNode a : attrs.path("address")) actualNetwork.add("Network: Address=" + a.asText());
    lines("Network", attrs.path("networkConfig"), actualNetwork);
    // Nix attribute sets are sorted by name, so only the Network section's order may differ.
    assertThat(actual).as(what).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(actualNetwork).as(what).containsExactlyInAnyOrderElementsOf(network);
  }

  private static void lines(String section, JsonNode attrs, List<String> out) {
    attrs.properties().forEach(e -> {
      List<JsonNode> values = e.getValue().isArray() ? toList(e.getValue()) : List.of(e.getValue());
      for (JsonNode v : values) {
        String text = v.isBoolean() ? (v.asBoolean() ? "yes" : "no") : v.asText();
        out.add(section + ": " + e.getKey() + "=" + text);
      }
    });
  }

  private static List<JsonNode> toList(JsonNode array) {
    var l = new ArrayList<JsonNode>();
    array.forEach(l::add);
    return l;
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

}
