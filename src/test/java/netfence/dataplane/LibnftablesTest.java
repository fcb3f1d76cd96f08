package netfence.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("kernel")
class LibnftablesTest {
  @Test
  void runsTransactionsInsideTheNamedNamespaceOnly() {
    Kernel.require("nft", "ip");
    try (var ns = Netns.create("nflib-test"); var nft = Libnftables.open(ns)) {
      assertThat(nft.kind()).isEqualTo("libnftables");
      nft.run("add table inet nflibtest\nadd set inet nflibtest s { type ipv4_addr; }\nadd element inet nflibtest s { 10.0.0.1 }").orThrow();
      var json = nft.json("list set inet nflibtest s").orThrow();
      assertThat(json.output()).contains("\"name\": \"s\"").contains("10.0.0.1");
      assertThat(ns.exec("nft", "list", "tables").stdout()).contains("nflibtest");
      // The root namespace (where the test runs) never saw it.
      assertThat(Netns.current().exec("nft", "list", "tables").stdout()).doesNotContain("nflibtest");
    }
  }

  @Test
  void aFailedTransactionChangesNothingAndSaysWhy() {
    Kernel.require("nft", "ip");
    try (var ns = Netns.create("nflib-fail"); var nft = Libnftables.open(ns)) {
      nft.run("add table inet t\nadd set inet t s { type ipv4_addr; }").orThrow();
      var r = nft.run("add element inet t s { 10.0.0.1 }\nadd element inet t missing { 10.0.0.2 }");
      assertThat(r.ok()).isFalse();
      assertThat(r.error()).contains("missing");
      assertThat(nft.json("list set inet t s").orThrow().output()).doesNotContain("10.0.0.1");
    }
  }
}
