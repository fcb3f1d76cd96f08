package netfence.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import netfence.model.Inventory;
import netfence.nft.Nft;
import netfence.testing.Examples;
import netfence.testing.Kernel;
import netfence.nft.NftJson;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HostApply} on the real kernel, each test in its own fresh namespace
 * ({@code nfdr-*}), taps made as veths whose peers stay down (so nothing
 * moves by itself between two snapshots), and a user's own table that must
 * survive every apply.
 */
@Tag("kernel")
class HostApplyKernelTest {
  static final Path UNCLOUD = Path.of("examples/uncloud-bridge.yaml");
  static final Path ROUTED = Path.of("examples/microvm-routed.yaml");
  static final String USER_TABLE = """
      table inet userfw {
      \tchain input {
      \t\ttype filter hook input priority 10; policy accept;
      \t\ttcp dport 22 accept
      \t}
      }
      """;

  @TempDir Path dir;

  @BeforeEach
  void kernel() {
    Kernel.require("nft", "ip", "sysctl");
  }

  @Test
  void uncloudBridge_attachesTaps_blocksAForeignPort_andASecondApplyChangesNothing() {
    try (var ns = quietNamespace("nfdr-uncloud")) {
      String userfw = userTable(ns);
      for (String t : List.of("tap1", "v343a-0", "tap3", "vxlan100")) veth(ns, t);

      var first = HostApply.apply(ns, Examples.load(UNCLOUD), "hv1", false);
      assertThat(first.changes()).contains("nft: create table bridge netfence", "ip: link add br100 type bridge",
          "ip: link set tap1 master br100", "ip: link set vxlan100 master br100", "ip: link set tap3 up");
      for (String t : List.of("tap1", "v343a-0", "tap3", "vxlan100")) {
        assertThat(link(ns, t).path("master").asText()).as(t).isEqualTo("br100");
        assertThat(link(ns, t).path("flags").toString()).as(t).contains("\"UP\"");
      }
      assertThat(link(ns, "br100").path("linkinfo").path("info_kind").asText()).isEqualTo("bridge");

      veth(ns, "rogue0");
      ns.exec("ip", "link", "set", "rogue0", "master", "br100").orThrow();
      long handle = tableHandle(ns, "bridge");
      var second = HostApply.apply(ns, Examples.load(UNCLOUD), "hv1", false);
      assertThat(second.changes()).containsExactly("nft: add element bridge netfence foreign_ports { \"rogue0\" }");
      assertThat(tableHandle(ns, "bridge")).as("no reload").isEqualTo(handle);
      assertThat(liveSet(ns, "bridge", "foreign_ports").elements()).containsExactly(Nft.Element.of("\"rogue0\""));
      assertThat(link(ns, "rogue0").path("flags").toString()).as("a foreign port is not brought up").doesNotContain("\"UP\"");

      String before = snapshot(ns);
      var third = HostApply.apply(ns, Examples.load(UNCLOUD), "hv1", false);
      assertThat(third.changed()).isFalse();
      assertThat(third.changes()).isEmpty();
      assertThat(snapshot(ns)).as("nft handles, links, addresses, routes").isEqualTo(before);
      assertThat(userTable(ns, userfw)).isTrue();
    }
  }

  @Test
  void inventoryChange_isAppliedAsElementChangesOnly() throws IOException {
    try (var ns = quietNamespace("nfdr-change")) {
      String userfw = userTable(ns);
      for (String t : List.of("tap1", "v343a-0", "tap3", "tap4")) veth(ns, t);
      HostApply.apply(ns, Examples.load(UNCLOUD), "hv1", false);
      long handle = tableHandle(ns, "bridge");

      // vm1 re-addressed, vm4 added
      Inventory changed = inventory(Files.readString(UNCLOUD).replace("addresses: [slaac, 198.51.100.11]", "addresses: [slaac, 198.51.100.21]")
          + VM4);
      var report = HostApply.apply(ns, changed, "hv1", false);

      String vm1 = "\"tap1\" . 02:00:f0:a9:c4:4e";
      String vm4 = "\"tap4\" . 02:00:f0:a9:c4:51";
      // tap4 has no drop counts to create: the kernel makes them on its first drop.
      assertThat(report.changes()).containsExactlyInAnyOrder(
          "nft: delete element bridge netfence ip4_addr { " + vm1 + " . 198.51.100.11 }",
          "nft: delete element bridge netfence arp_ok { " + vm1 + " . 02:00:f0:a9:c4:4e . 198.51.100.11 }",
          "nft: add element bridge netfence ip4_addr { " + vm1 + " . 198.51.100.21 }",
          "nft: add element bridge netfence arp_ok { " + vm1 + " . 02:00:f0:a9:c4:4e . 198.51.100.21 }",
          "nft: add element bridge netfence port_verdict { \"tap4\" : jump from_vm }",
          "nft: add element bridge netfence port_mac { " + vm4 + " }",
          "nft: add element bridge netfence ip4_addr { " + vm4 + " . 198.51.100.14 }",
          "nft: add element bridge netfence ip6_addr { " + vm4 + " . fe80::f0ff:fea9:c451 }",
          "nft: add element bridge netfence nd_target { " + vm4 + " . 0xfe800000000000000000f0fffea9c451 }",
          "nft: add element bridge netfence arp_ok { " + vm4 + " . 02:00:f0:a9:c4:51 . 198.51.100.14 }",
          "nft: add element bridge netfence arp_ok { " + vm4 + " . 02:00:f0:a9:c4:51 . 0.0.0.0 }",
          "nft: add element bridge netfence named_ports { \"tap4\" }",
          "nft: add element bridge netfence port_lla { \"tap4\" . 0x0200f0a9c451 }",
          "ip: link set tap4 master br100",
          "ip: link set tap4 up");
      assertThat(tableHandle(ns, "bridge")).as("elements changed in place, the table was not reloaded").isEqualTo(handle);
      assertThat(liveSet(ns, "bridge", "ip4_addr").elements()).containsExactlyInAnyOrder(
          Nft.Element.of("\"tap1\"", "02:00:f0:a9:c4:4e", "198.51.100.21"),
          Nft.Element.of("\"v343a-0\"", "02:00:f0:a9:c4:4f", "198.51.100.12"),
          Nft.Element.of("\"tap4\"", "02:00:f0:a9:c4:51", "198.51.100.14"));
      assertThat(HostApply.apply(ns, changed, "hv1", false).changed()).isFalse();
      assertThat(userTable(ns, userfw)).isTrue();
    }
  }

  @Test
  void routed_addressesRoutesAndSysctls_aLateTap_andARemovedVm() throws IOException {
    try (var ns = quietNamespace("nfdr-routed")) {
      String userfw = userTable(ns);
      veth(ns, "vm5");
      veth(ns, "vm26"); // vm6 ("db") has no tap yet

      var first = HostApply.apply(ns, Examples.load(ROUTED), "hv1", false);
      assertThat(first.changes()).contains("nft: create table inet netfence");
      assertThat(first.notes()).contains("tap vm6 of db does not exist yet; it is filtered as soon as it does");
      assertThat(addresses(ns, "vm5")).containsExactlyInAnyOrder("10.0.0.0/32", "fd00:0:0:1::/128");
      assertThat(addresses(ns, "vm26")).containsExactlyInAnyOrder("10.0.0.0/32", "fd00:0:0:1::/128");
      assertThat(ourRoutes(ns)).containsExactlyInAnyOrder(
          "10.0.0.5 dev vm5", "10.0.0.26 dev vm26", "10.0.1.0/28 via 10.0.0.26 dev vm26 onlink",
          "fd00:0:0:1::5 dev vm5", "fd00:0:0:1::1a dev vm26", "fd00:0:0:2::/64 via fd00:0:0:1::1a dev vm26 onlink");
      assertThat(sysctl(ns, "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv4.conf.vm5.rp_filter",
          "net.ipv4.conf.vm26.rp_filter", "net.ipv6.conf.vm5.accept_ra", "net.ipv6.conf.vm26.accept_ra"))
          .containsExactly("1", "1", "1", "1", "0", "0");

      veth(ns, "vm6");
      String nftBefore = ns.exec("nft", "-j", "list", "ruleset").orThrow().stdout();
      var late = HostApply.apply(ns, Examples.load(ROUTED), "hv1", false);
      assertThat(late.changes()).containsExactly(
          "ip: link set vm6 up",
          "ip: address replace 10.0.0.0/32 dev vm6",
          "ip: address replace fd00:0:0:1::/128 dev vm6 nodad noprefixroute",
          "ip: route replace 10.0.0.6/32 dev vm6 proto 110",
          "ip: route replace fd00:0:0:1::6/128 dev vm6 proto 110",
          "sysctl: net.ipv4.conf.vm6.rp_filter=1",
          "sysctl: net.ipv6.conf.vm6.accept_ra=0");
      assertThat(ns.exec("nft", "-j", "list", "ruleset").orThrow().stdout()).as("a tap appearing changes no filter").isEqualTo(nftBefore);
      assertThat(ourRoutes(ns)).contains("10.0.0.6 dev vm6", "fd00:0:0:1::6 dev vm6");

      // "builder" (vm26) leaves the inventory; its tap is still there
      String yaml = Files.readString(ROUTED);
      Inventory without = inventory(yaml.substring(0, yaml.indexOf("  builder:")));
      var removed = HostApply.apply(ns, without, "hv1", false);
      // (the NAT rule for routed prefixes is an anonymous set in the renderer, so this one also reloads the inet table)
      assertThat(removed.changes()).contains("ip: route del 10.0.0.26/32 dev vm26 proto 110",
          "ip: route del 10.0.1.0/28 via 10.0.0.26 dev vm26 proto 110", "ip: route del fd00:0:0:2::/64 via fd00:0:0:1::1a dev vm26 proto 110");
      assertThat(ourRoutes(ns)).containsExactlyInAnyOrder("10.0.0.5 dev vm5", "10.0.0.6 dev vm6", "fd00:0:0:1::5 dev vm5",
          "fd00:0:0:1::6 dev vm6");

      String before = snapshot(ns);
      assertThat(HostApply.apply(ns, without, "hv1", false).changes()).isEmpty();
      assertThat(snapshot(ns)).isEqualTo(before);
      assertThat(userTable(ns, userfw)).isTrue();
    }
  }

  @Test
  void dryRun_changesNothing() throws IOException {
    try (var ns = quietNamespace("nfdr-dryrun")) {
      userTable(ns);
      for (String t : List.of("tap1", "v343a-0", "tap4")) veth(ns, t);
      String before = snapshot(ns);
      var dry = HostApply.apply(ns, Examples.load(UNCLOUD), "hv1", true);
      assertThat(dry.dryRun()).isTrue();
      assertThat(dry.changed()).isTrue();
      assertThat(dry.nftScript()).contains("delete table bridge netfence", "table bridge netfence {");
      assertThat(dry.ipBatch()).contains("link add br100 type bridge", "link set tap1 master br100");
      assertThat(snapshot(ns)).isEqualTo(before);

      HostApply.apply(ns, Examples.load(UNCLOUD), "hv1", false);
      before = snapshot(ns);
      var dryChange = HostApply.apply(ns, inventory(Files.readString(UNCLOUD) + VM4), "hv1", true);
      assertThat(dryChange.changes()).contains("nft: add element bridge netfence port_verdict { \"tap4\" : jump from_vm }",
          "ip: link set tap4 master br100");
      assertThat(dryChange.nftScript()).contains("add element bridge netfence port_verdict { \"tap4\" : jump from_vm }\n")
          .doesNotContain("table bridge netfence {");
      assertThat(snapshot(ns)).isEqualTo(before);
    }
  }

  @Test
  void aFailedElementTransaction_leavesThePreviousStateInPlace() throws IOException {
    try (var ns = quietNamespace("nfdr-fail-elem")) {
      for (String t : List.of("tap1", "v343a-0", "tap4")) veth(ns, t);
      HostApply.apply(ns, Examples.load(UNCLOUD), "hv1", false);
      Inventory changed = inventory(Files.readString(UNCLOUD).replace("198.51.100.11]", "198.51.100.21]") + VM4);
      var before = new String[1];
      // Between apply's read and its write, someone else removes an element apply is about to delete:
      // the kernel rejects the delete (ENOENT), so the whole transaction must be rolled back.
      var race = new HostApply.Seams(t -> t, () -> {
        ns.exec("nft", "delete element bridge netfence ip4_addr { \"tap1\" . 02:00:f0:a9:c4:4e . 198.51.100.11 }").orThrow();
        before[0] = snapshot(ns);
      });
      assertThatThrownBy(() -> HostApply.apply(ns, changed, "hv1", false, race))
          .isInstanceOf(ApplyException.class).hasMessageStartingWith("nft transaction failed, nothing was changed:");
      assertThat(snapshot(ns)).as("no element added, none deleted, no port attached").isEqualTo(before[0]);
      assertThat(liveSet(ns, "bridge", "port_verdict").elements()).noneMatch(e -> e.key().equals(List.of("\"tap4\"")));
      assertThat(liveSet(ns, "bridge", "arp_ok").elements())
          .contains(Nft.Element.of("\"tap1\"", "02:00:f0:a9:c4:4e", "02:00:f0:a9:c4:4e", "198.51.100.11"));

      // the next apply converges
      HostApply.apply(ns, changed, "hv1", false);
      assertThat(HostApply.apply(ns, changed, "hv1", false).changed()).isFalse();
    }
  }

  @Test
  void aFailedReplacement_leavesTheOldTableInPlace() {
    try (var ns = quietNamespace("nfdr-fail-table")) {
      String userfw = userTable(ns);
      for (String t : List.of("tap1", "v343a-0")) veth(ns, t);
      HostApply.apply(ns, Examples.load(UNCLOUD), "hv1", false);
      long handle = tableHandle(ns, "bridge");
      String before = snapshot(ns);
      // A structural change whose new definition the kernel refuses: the script deletes the old table first.
      var broken = new HostApply.Seams(tables -> tables.stream().map(HostApplyKernelTest::withJumpToNowhere).toList(), () -> {});
      var dry = HostApply.apply(ns, Examples.load(UNCLOUD), "hv1", true, broken);
      assertThat(dry.nftScript()).contains("delete table bridge netfence", "jump nowhere");
      assertThatThrownBy(() -> HostApply.apply(ns, Examples.load(UNCLOUD), "hv1", false, broken))
          .isInstanceOf(ApplyException.class).hasMessageContaining("nft transaction failed");
      assertThat(tableHandle(ns, "bridge")).isEqualTo(handle);
      assertThat(snapshot(ns)).isEqualTo(before);
      assertThat(userTable(ns, userfw)).isTrue();
    }
  }

  // ---- helpers --------------------------------------------------------------

  static final String VM4 = """
        vm4:
          host: hv1
          index: 4
          interfaces:
            - network: br100
              tap: tap4
              mac: 02:00:f0:a9:c4:51
              addresses: [198.51.100.14]
      """;

  private Inventory inventory(String yaml) throws IOException {
    Path p = Files.createTempFile(dir, "inv", ".yaml");
    Files.writeString(p, yaml);
    return Examples.load(p);
  }

  private static Nft.Table withJumpToNowhere(Nft.Table t) {
    var chains = new ArrayList<>(t.chains());
    chains.add(new Nft.Chain("broken", Optional.empty(),
        List.of(new Nft.Rule(List.of(), Optional.empty(), Optional.of(new Nft.Jump("nowhere"))))));
    return new Nft.Table(t.family(), t.name(), t.counters(), t.sets(), chains);
  }

  /**
   * A fresh namespace whose new links get no IPv6 link-local address: its DAD would flip the
   * "tentative" flag a second later, and snapshots must only change when apply changes something.
   */
  private static Netns quietNamespace(String name) {
    var ns = Netns.create(name);
    ns.exec("sysctl", "-q", "-w", "net.ipv6.conf.default.addr_gen_mode=1").orThrow();
    return ns;
  }

  /** A veth whose peer stays down: the tap exists, has no carrier, and nothing changes by itself. */
  private static void veth(Netns ns, String name) {
    String peer = ("p" + name).substring(0, Math.min(15, name.length() + 1));
    ns.exec("ip", "link", "add", name, "type", "veth", "peer", "name", peer).orThrow();
  }

  /** Loads the user's table; returns its listing (with handles). */
  private static String userTable(Netns ns) {
    ns.exec(List.of("nft", "-f", "/dev/stdin"), USER_TABLE).orThrow();
    return ns.exec("nft", "-j", "list", "table", "inet", "userfw").orThrow().stdout();
  }

  private static boolean userTable(Netns ns, String listing) {
    return ns.exec("nft", "-j", "list", "table", "inet", "userfw").orThrow().stdout().equals(listing);
  }

  /** Everything apply may touch, handles and all. */
  private static String snapshot(Netns ns) {
    var b = new StringBuilder();
    for (var cmd : List.of(List.of("nft", "-j", "list", "ruleset"), List.of("ip", "-j", "link", "show"), List.of("ip", "-j", "addr", "show"),
        List.of("ip", "-j", "route", "show", "table", "all"), List.of("ip", "-j", "-6", "route", "show", "table", "all"),
        List.of("sh", "-c", "grep -r . /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/*/forwarding"
            + " /proc/sys/net/ipv4/conf/*/rp_filter /proc/sys/net/ipv6/conf/*/accept_ra"))) {
      String out = ns.exec(cmd, null).orThrow().stdout();
      b.append(String.join(" ", cmd)).append('\n').append(cmd.getFirst().equals("ip") ? withoutCarrier(out) : out).append('\n');
    }
    return b.toString();
  }

  /**
   * ip's JSON without what follows the carrier: a bridge apply has just created loses its carrier
   * a moment later (linkwatch), by itself. Admin state (UP), masters, addresses and routes stay.
   */
  private static String withoutCarrier(String ipJson) {
    try {
      var tree = new ObjectMapper().readTree(ipJson);
      for (JsonNode n : tree) {
        var o = (com.fasterxml.jackson.databind.node.ObjectNode) n;
        o.remove("operstate");
        if (o.has("flags")) {
          var kept = o.putArray("kept_flags");
          n.get("flags").forEach(f -> {
            if (!List.of("NO-CARRIER", "LOWER_UP", "M-DOWN", "linkdown").contains(f.asText())) kept.add(f);
          });
          o.remove("flags");
        }
      }
      return tree.toString();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode json(Netns ns, String... cmd) {
    try {
      return new ObjectMapper().readTree(ns.exec(cmd).orThrow().stdout());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode link(Netns ns, String name) {
    return json(ns, "ip", "-j", "-d", "link", "show", "dev", name).get(0);
  }

  private static long tableHandle(Netns ns, String family) {
    for (JsonNode item : json(ns, "nft", "-j", "list", "tables").path("nftables")) {
      JsonNode t = item.get("table");
      if (t != null && t.path("family").asText().equals(family) && t.path("name").asText().equals("netfence")) return t.path("handle").asLong();
    }
    throw new AssertionError("no table " + family + " netfence");
  }

  private static Nft.Set liveSet(Netns ns, String family, String set) {
    var t = NftJson.read(ns.exec("nft", "-j", "list", "table", family, "netfence").orThrow().stdout()).getFirst();
    return t.set(set).orElseThrow();
  }

  private static List<String> addresses(Netns ns, String dev) {
    var out = new ArrayList<String>();
    for (JsonNode a : json(ns, "ip", "-j", "addr", "show", "dev", dev).get(0).path("addr_info")) {
      if (!a.path("scope").asText().equals("link")) out.add(a.path("local").asText() + "/" + a.path("prefixlen").asInt());
    }
    return out;
  }

  /** Routes with netfence's protocol, as "dst [via gw] dev d [onlink]". */
  private static List<String> ourRoutes(Netns ns) {
    var out = new ArrayList<String>();
    for (String family : List.of("-4", "-6")) {
      for (JsonNode r : json(ns, "ip", "-j", family, "route", "show", "proto", "110")) {
        String onlink = r.path("flags").toString().contains("onlink") ? " onlink" : "";
        out.add(r.path("dst").asText() + (r.has("gateway") ? " via " + r.path("gateway").asText() : "") + " dev " + r.path("dev").asText() + onlink);
      }
    }
    return out;
  }

  private static List<String> sysctl(Netns ns, String... keys) {
    var cmd = new ArrayList<>(List.of("sysctl", "-n"));
    cmd.addAll(List.of(keys));
    return ns.exec(cmd, null).orThrow().stdout().lines().toList();
  }
}
