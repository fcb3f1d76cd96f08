package netfence.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("kernel")
class NftEventsTest {
  @Test
  void aTransactionByAnotherProcessArrivesWithItsPidAndName() {
    Kernel.require("nft", "ip");
    try (var ns = Netns.create("nfev-test"); var events = NftEvents.open(ns)) {
      ns.exec("nft", "add", "table", "inet", "someone").orThrow();
      var g = events.next(Duration.ofSeconds(5));
      assertThat(g).isPresent();
      assertThat(g.get().process()).isEqualTo("nft");
      assertThat(g.get().pid()).isNotEqualTo(ProcessHandle.current().pid());
      assertThat(g.get().id()).isPositive();
    }
  }

  @Test
  void onlyTheWatchedNamespaceIsHeard() {
    Kernel.require("nft", "ip");
    try (var watched = Netns.create("nfev-a"); var other = Netns.create("nfev-b"); var events = NftEvents.open(watched)) {
      other.exec("nft", "add", "table", "inet", "elsewhere").orThrow();
      assertThat(events.next(Duration.ofMillis(300))).isEmpty();
    }
  }

  @Test
  void ourOwnInProcessTransactionsCarryTheSessionsThreadId() {
    Kernel.require("nft", "ip");
    try (var ns = Netns.create("nfev-own"); var events = NftEvents.open(ns); var nft = Libnftables.open(ns)) {
      nft.run("add table inet mine").orThrow();
      var g = events.next(Duration.ofSeconds(5));
      assertThat(g).isPresent();
      assertThat(g.get().pid()).isEqualTo(nft.committer().getAsLong());
    }
  }

  @Test
  void aTransactionThatNamesNetfencesTablesIsSaidToTouchThem() {
    Kernel.require("nft", "ip");
    try (var ns = Netns.create("nfev-touch"); var events = NftEvents.open(ns)) {
      ns.exec("nft", "add", "table", "inet", "other").orThrow();
      assertThat(events.next(Duration.ofSeconds(5)).orElseThrow().touchedNetfence()).isFalse();
      ns.exec("nft", "add", "table", "bridge", "netfence").orThrow();
      assertThat(events.next(Duration.ofSeconds(5)).orElseThrow().touchedNetfence()).isTrue();
      ns.exec("nft", "add", "chain", "inet", "other", "c").orThrow();
      assertThat(events.next(Duration.ofSeconds(5)).orElseThrow().touchedNetfence()).isFalse();
      ns.exec("nft", "flush", "ruleset").orThrow();
      assertThat(events.next(Duration.ofSeconds(5)).orElseThrow().touchedNetfence()).isTrue();
    }
  }

  @Test
  void lostEventsAreReportedFromErrnoAndAsTouchingEverything() throws Exception {
    Kernel.require("nft", "ip");
    try (var ns = Netns.create("nfev-lost"); var small = NftEvents.open(ns, 4096); var big = NftEvents.open(ns)) {
      assertThat(big.receiveBuffer()).as("granted past rmem_max as root").isGreaterThanOrEqualTo(NetlinkSocket.RECEIVE_BUFFER);
      var script = new StringBuilder("add table inet flood\nadd set inet flood s { type ipv4_addr; }\nadd element inet flood s { ");
      for (int i = 0; i < 5000; i++) script.append(i == 0 ? "" : ", ").append("10.0.").append(i / 250).append('.').append(i % 250);
      ns.exec(java.util.List.of("nft", "-f", "-"), script.append(" }\n").toString()).orThrow();
      var g = small.next(Duration.ofSeconds(5)).orElseThrow();
      assertThat(g.pid()).as("an overrun, not a generation").isEqualTo(-1);
      assertThat(g.touchedNetfence()).isTrue();
      // The big buffer held the whole burst: the generation arrives, not an overrun.
      assertThat(big.next(Duration.ofSeconds(5)).orElseThrow().pid()).isPositive();
    }
  }
}
