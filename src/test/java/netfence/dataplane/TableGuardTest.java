package netfence.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import netfence.testing.Examples;
import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Self-healing: someone flushes the ruleset or edits netfence's table; the guard restores it. */
@Tag("kernel")
class TableGuardTest {
  @Test
  void aFlushedRulesetIsRestoredAndTheUsersNewTableIsLeftAlone() throws Exception {
    Kernel.require("nft", "ip");
    var inv = Examples.load(Path.of("examples/uncloud-bridge.yaml"));
    var log = new CopyOnWriteArrayList<String>();
    try (var ns = Netns.create("nfguard-test")) {
      HostApply.apply(ns, inv, "hv1", false);
      String before = table(ns);
      try (var guard = TableGuard.restoring(ns, () -> inv, "hv1", log::add)) {
        long t0 = System.nanoTime();
        ns.exec(List.of("nft", "-f", "-"), "flush ruleset\ntable inet userfw {\n chain input {\n  type filter hook input priority 0;\n }\n}\n").orThrow();
        waitFor(() -> table(ns).equals(before), 10_000);
        System.out.printf("restored after a flush in %.0f ms%n", (System.nanoTime() - t0) / 1e6);
        assertThat(guard.restores()).isEqualTo(1);
        assertThat(ns.exec("nft", "list", "table", "inet", "userfw").ok()).as("the user's table survives the restore").isTrue();
        assertThat(log).anySatisfy(l -> assertThat(l).contains("nftables changed by nft").contains("restored"));
      }
    }
  }

  @Test
  void aDeletedRuleIsPutBackAndOurOwnChangesAreNotReactedTo() throws Exception {
    Kernel.require("nft", "ip");
    var inv = Examples.load(Path.of("examples/uncloud-bridge.yaml"));
    var log = new CopyOnWriteArrayList<String>();
    try (var ns = Netns.create("nfguard-rule")) {
      HostApply.apply(ns, inv, "hv1", false);
      String before = table(ns);
      try (var guard = TableGuard.restoring(ns, () -> inv, "hv1", log::add)) {
        String handle = ns.exec("nft", "-a", "list", "chain", "bridge", "netfence", "vm6").orThrow().stdout().lines()
            .filter(l -> l.contains("jump drop_ra")).findFirst().orElseThrow().replaceAll(".*handle ", "").strip();
        ns.exec("nft", "delete", "rule", "bridge", "netfence", "vm6", "handle", handle).orThrow();
        waitFor(() -> table(ns).equals(before), 10_000);
        assertThat(guard.restores()).isEqualTo(1);
        // The restore is the guard's own commit: nothing further happens.
        Thread.sleep(500);
        assertThat(guard.restores()).isEqualTo(1);
      }
    }
  }

  /** netfence's bridge table without handles, counters' values or set element order noise. */
  private static String table(Netns ns) {
    var r = ns.exec("nft", "list", "table", "bridge", "netfence");
    return r.ok() ? r.stdout().replaceAll("packets \\d+ bytes \\d+", "") : "(missing)";
  }

  private static void waitFor(java.util.function.BooleanSupplier ok, long maxMillis) throws InterruptedException {
    long end = System.currentTimeMillis() + maxMillis;
    while (!ok.getAsBoolean()) {
      if (System.currentTimeMillis() > end) throw new AssertionError("not restored within " + maxMillis + " ms");
      Thread.sleep(20);
    }
  }
}
