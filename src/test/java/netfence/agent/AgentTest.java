package netfence.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import netfence.dataplane.Netns;
import netfence.model.Inventory;
import netfence.state.Change;
import netfence.state.View;
import netfence.testing.Examples;
import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The agent in a namespace: taps come after it starts, VMs are deleted, foreign ports are plugged in. */
@Tag("kernel")
class AgentTest {
  private static final Inventory UNCLOUD = Examples.load(Path.of("examples/uncloud-bridge.yaml"));

  @Test
  void tapsCreatedAfterStartAreConfiguredOnTheirLinkEvent() throws Exception {
    Kernel.require("nft", "ip");
    var log = new CopyOnWriteArrayList<String>();
    try (var ns = Netns.create("nfag-taps"); var agent = Agent.start(ns, "hv1", View.of(1, UNCLOUD), Duration.ofSeconds(60), log::add)) {
      assertThat(agent.status()).hasSize(3).allSatisfy(s -> assertThat(s.state()).isEqualTo(Agent.State.PENDING));
      for (String tap : List.of("tap1", "v343a-0", "tap3")) {
        ns.exec("ip", "link", "add", tap, "type", "veth", "peer", "name", tap + "p").orThrow();
      }
      waitFor(() -> agent.status().stream().allMatch(s -> s.state() == Agent.State.APPLIED), "all APPLIED");
      for (String tap : List.of("tap1", "v343a-0", "tap3")) {
        assertThat(ns.exec("ip", "-j", "link", "show", tap).orThrow().stdout()).contains("\"master\":\"br100\"").contains("UP");
      }
      System.out.print(agent.metrics().lines().filter(l -> l.startsWith("netfence_tap_configure_seconds")).reduce("", (a, b) -> a + b + "\n"));
      System.out.printf("tap link event to configured: %d taps, mean %.2f ms%n", agent.tapsConfiguredOnEvent(),
          sum(agent.metrics(), "netfence_tap_configure_seconds_sum") * 1000 / agent.tapsConfiguredOnEvent());
      // A tap that goes away is PENDING again.
      ns.exec("ip", "link", "del", "tap3").orThrow();
      waitFor(() -> agent.status().stream().anyMatch(s -> s.tap().equals("tap3") && s.state() == Agent.State.PENDING), "tap3 PENDING");
    }
  }

  @Test
  void aRoutedTapGetsItsAddressesRoutesAndSysctlsAndADeletedVmsRoutesGo() throws Exception {
    Kernel.require("nft", "ip", "sysctl");
    var routed = Examples.load(Path.of("examples/microvm-routed.yaml"));
    try (var ns = Netns.create("nfag-routed"); var agent = Agent.start(ns, "hv1", View.of(1, routed), Duration.ofSeconds(60), s -> {})) {
      ns.exec("ip", "link", "add", "vm26", "type", "veth", "peer", "name", "vm26p").orThrow();
      waitFor(() -> agent.status().stream().anyMatch(s -> s.tap().equals("vm26") && s.state() == Agent.State.APPLIED), "vm26 APPLIED");
      String routes = ns.exec("ip", "route", "show", "proto", "110").orThrow().stdout();
      assertThat(routes).contains("10.0.0.26 dev vm26").contains("10.0.1.0/28 via 10.0.0.26 dev vm26");
      assertThat(ns.exec("ip", "-6", "route", "show", "proto", "110").orThrow().stdout()).contains("fd00:0:0:2::/64 via fd00:0:0:1::1a dev vm26");
      assertThat(ns.exec("ip", "-j", "addr", "show", "vm26").orThrow().stdout()).contains("\"local\":\"10.0.0.0\",\"prefixlen\":32").contains("\"local\":\"fd00:0:0:1::\",\"prefixlen\":128");
      assertThat(ns.exec("sysctl", "-n", "net.ipv4.conf.vm26.rp_filter", "net.ipv6.conf.vm26.accept_ra").orThrow().stdout().lines())
          .containsExactly("1", "0");
      agent.onChange(deleted(routed, "builder"));
      assertThat(agent.awaitApplied(2, Duration.ofSeconds(10))).isTrue();
      assertThat(ns.exec("ip", "route", "show", "proto", "110").orThrow().stdout()).doesNotContain("vm26");
      assertThat(ns.exec("nft", "-j", "list", "table", "inet", "netfence").orThrow().stdout()).doesNotContain("vm26");
    }
  }

  @Test
  void aDeletedVmsElementsAreGoneWithoutAReload() throws Exception {
    Kernel.require("nft", "ip");
    try (var ns = Netns.create("nfag-del"); var agent = Agent.start(ns, "hv1", View.of(1, UNCLOUD), Duration.ofSeconds(60), s -> {})) {
      String handle = tableHandle(ns);
      assertThat(elements(ns)).contains("v343a-0");
      long t0 = System.nanoTime();
      agent.onChange(deleted(UNCLOUD, "vm2"));
      assertThat(agent.awaitApplied(2, Duration.ofSeconds(10))).isTrue();
      System.out.printf("VM deletion applied in %.2f ms%n", (System.nanoTime() - t0) / 1e6);
      assertThat(elements(ns)).doesNotContain("v343a-0").contains("tap1");
      assertThat(tableHandle(ns)).as("no reload: the table is the same object").isEqualTo(handle);
      assertThat(agent.status()).extracting(Agent.VmStatus::vm).containsExactly("vm1", "vm3");
    }
  }

  @Test
  void aForeignPortPluggedInAfterStartIsInForeignPorts() throws Exception {
    Kernel.require("nft", "ip");
    try (var ns = Netns.create("nfag-foreign"); var agent = Agent.start(ns, "hv1", View.of(1, UNCLOUD), Duration.ofSeconds(60), s -> {})) {
      ns.exec("ip", "link", "add", "intruder", "type", "veth", "peer", "name", "intruderp").orThrow();
      long t0 = System.nanoTime();
      ns.exec("ip", "link", "set", "intruder", "master", "br100").orThrow();
      waitFor(() -> ns.exec("nft", "list", "set", "bridge", "netfence", "foreign_ports").stdout().contains("\"intruder\""), "intruder in foreign_ports");
      System.out.printf("foreign port in @foreign_ports %.2f ms after ip link set master returned%n", (System.nanoTime() - t0) / 1e6);
    }
  }

  @Test
  void aForgedSourceFrameCountsInThatVmsForgedSrcCounter() throws Exception {
    Kernel.require("nft", "ip", "python3");
    Path rawpkt = Files.createTempFile("nfag-rawpkt", ".py");
    try (var in = AgentTest.class.getResourceAsStream("/netfence/lab/rawpkt.py")) {
      Files.write(rawpkt, in.readAllBytes());
    }
    try (var ns = Netns.create("nfag-atk"); var vm = Netns.create("nfag-atkvm");
        var agent = Agent.start(ns, "hv1", View.of(1, UNCLOUD), Duration.ofSeconds(60), s -> {})) {
      ns.exec("ip", "link", "add", "tap1", "type", "veth", "peer", "name", "eth0", "netns", vm.name()).orThrow();
      vm.exec("ip", "link", "set", "eth0", "address", "02:00:f0:a9:c4:4e", "up").orThrow();
      waitFor(() -> agent.status().stream().anyMatch(s -> s.tap().equals("tap1") && s.state() == Agent.State.APPLIED), "tap1 APPLIED");
      // vm1's own MAC, someone else's source address (198.51.100.99), UDP to vm2.
      String frame = "ffffffffffff" + "0200f0a9c44e" + "0800"
          + "4500001c0000400040110000" + "c6336463" + "c633640c" + "30393039000800" + "00";
      vm.exec(List.of("python3", rawpkt.toString(), "send", "eth0"), frame + "\n").orThrow();
      String line = "netfence_vm_drops_total{reason=\"forged_src\",tap=\"tap1\",vm=\"vm1\"} 1.0";
      waitFor(() -> {
        agent.refreshCounters();
        return agent.metrics().contains(line);
      }, line);
      var vm1 = agent.status().stream().filter(s -> s.vm().equals("vm1")).findFirst().orElseThrow();
      System.out.println("after one forged-source frame: " + vm1);
      // Only a VM that had a drop of a reason has a count of it: the kernel made that element on the drop.
      assertThat(vm1.drops()).containsExactly(java.util.Map.entry("forged_src", 1L));
      assertThat(agent.status()).filteredOn(s -> !s.vm().equals("vm1")).allSatisfy(s -> assertThat(s.drops()).isEmpty());
      assertThat(agent.metrics()).contains("netfence_drops_total{family=\"bridge\",reason=\"forged_src\"} 1.0");
      // vm1 deleted: its counts go with it, so a later VM on tap1 starts from zero.
      agent.onChange(deleted(UNCLOUD, "vm1"));
      assertThat(agent.awaitApplied(2, Duration.ofSeconds(10))).isTrue();
      agent.refreshCounters();
      assertThat(ns.exec("nft", "list", "set", "bridge", "netfence", "vm_forged_src").orThrow().stdout()).doesNotContain("tap1");
      assertThat(agent.metrics()).doesNotContain("tap=\"tap1\"");
    } finally {
      Files.deleteIfExists(rawpkt);
    }
  }

  /**
   * Issue 10: the first routed VM of a host, added through a change while only the bridge table
   * exists. Its tap exists already. It is never reported applied before the kernel has its
   * filter: the element change fails (no table), a full sync creates the table, and only then
   * is it APPLIED.
   */
  @Test
  void theFirstRoutedVmIsAppliedOnlyOnceItsTableExists() throws Exception {
    Kernel.require("nft", "ip", "sysctl");
    var both = Examples.load(Path.of("examples/inventory.yaml"));
    var vm = both.vms().stream().filter(v -> v.name().equals("web")).findFirst().orElseThrow();
    var without = new Inventory(both.hosts(), both.networks(), both.vms().stream().filter(v -> v != vm).toList());
    var log = new CopyOnWriteArrayList<String>();
    try (var ns = Netns.create("nfag-first"); var agent = Agent.start(ns, "hv1", View.of(1, without), Duration.ofSeconds(60), log::add)) {
      String tap = vm.interfaces().getFirst().tap();
      ns.exec("ip", "link", "add", tap, "type", "veth", "peer", "name", tap + "p").orThrow();
      var seen = new CopyOnWriteArrayList<Agent.State>();
      var watching = new java.util.concurrent.atomic.AtomicBoolean(true);
      var watcher = Thread.ofPlatform().start(() -> {
        while (watching.get()) {
          agent.state(tap).ifPresent(st -> {
            if (seen.isEmpty() || seen.getLast() != st) seen.add(st);
            if (st == Agent.State.APPLIED) {
              var r = ns.exec("nft", "list", "table", "inet", "netfence");
              if (!r.ok()) {
                seen.add(null);
              }
            }
          });
        }
      });
      agent.onChange(new Change(2, List.of(new Change.VmDelta(vm.name(), java.util.Optional.empty(), java.util.Optional.of(vm)))));
      assertThat(agent.awaitApplied(2, Duration.ofSeconds(10))).isTrue();
      waitFor(() -> !seen.isEmpty() && seen.getLast() == Agent.State.APPLIED, tap + " seen APPLIED");
      watching.set(false);
      watcher.join();
      assertThat(seen).as("states seen, in order; null = APPLIED without its table").doesNotContainNull().endsWith(Agent.State.APPLIED);
      assertThat(ns.exec("nft", "list", "set", "inet", "netfence", "routed_taps").orThrow().stdout()).contains("\"" + tap + "\"");
      assertThat(ns.exec("ip", "route", "show", "proto", "110").orThrow().stdout()).contains("dev " + tap);
    }
  }

  /** Issue 10: someone flushes the ruleset; the agent notices, says nothing is applied, and restores. */
  @Test
  void aFlushedRulesetIsRestoredAndStatusSaysWhatIsEnforcedMeanwhile() throws Exception {
    Kernel.require("nft", "ip");
    var log = new CopyOnWriteArrayList<String>();
    try (var ns = Netns.create("nfag-flush"); var agent = Agent.start(ns, "hv1", View.of(1, UNCLOUD), Duration.ofSeconds(60), log::add)) {
      ns.exec("ip", "link", "add", "tap1", "type", "veth", "peer", "name", "tap1p").orThrow();
      waitFor(() -> agent.state("tap1").equals(java.util.Optional.of(Agent.State.APPLIED)), "tap1 APPLIED");
      String before = ns.exec("nft", "list", "set", "bridge", "netfence", "ip4_addr").orThrow().stdout();
      long t0 = System.nanoTime();
      ns.exec("nft", "flush", "ruleset").orThrow();
      waitFor(() -> ns.exec("nft", "list", "set", "bridge", "netfence", "ip4_addr").stdout().equals(before), "restored");
      System.out.printf("tables restored %.0f ms after flush ruleset%n", (System.nanoTime() - t0) / 1e6);
      waitFor(() -> agent.state("tap1").equals(java.util.Optional.of(Agent.State.APPLIED)), "tap1 APPLIED again");
      assertThat(log).anySatisfy(l -> assertThat(l).contains("nftables changed by nft").contains("restoring"));
      assertThat(agent.metrics()).contains("netfence_guard_restores_total 1.0");
    }
  }

  private static String tableHandle(Netns ns) {
    return ns.exec("nft", "-j", "list", "tables").orThrow().stdout().replaceAll("(?s).*\"name\": ?\"netfence\", ?\"handle\": ?(\\d+).*", "$1");
  }

  private static String elements(Netns ns) {
    return ns.exec("nft", "-j", "list", "table", "bridge", "netfence").orThrow().stdout();
  }

  static double sum(String metrics, String name) {
    return metrics.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1))).sum();
  }

  static void waitFor(BooleanSupplier ok, String what) throws InterruptedException {
    long end = System.nanoTime() + 10_000_000_000L;
    while (!ok.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("not within 10 s: " + what);
      Thread.sleep(10);
    }
  }

  /** The change that deletes VM {@code name} of {@code inv}. */
  private static Change deleted(Inventory inv, String name) {
    var vm = inv.vms().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    return new Change(2, java.util.List.of(new Change.VmDelta(name, java.util.Optional.of(vm), java.util.Optional.empty())));
  }
}
