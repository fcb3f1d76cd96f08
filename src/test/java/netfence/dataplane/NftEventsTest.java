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
}
