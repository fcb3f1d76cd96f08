package netfence.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("kernel")
class LinkEventsTest {
  @Test
  void vethAddAttachAndDeleteAreSeenWithNames() {
    Kernel.require("ip");
    try (var ns = Netns.create("nfag-links"); var events = LinkEvents.open(ns)) {
      assertThat(events.existing()).extracting(LinkEvents.Link::name).containsExactly("lo");
      ns.exec("ip", "link", "add", "br0", "type", "bridge").orThrow();
      long t0 = System.nanoTime();
      ns.exec("ip", "link", "add", "tapx", "type", "veth", "peer", "name", "tapx-p").orThrow();
      var added = until(events, l -> l.name().equals("tapx") && !l.deleted());
      System.out.printf("veth add seen after %.1f ms (including the ip process)%n", (System.nanoTime() - t0) / 1e6);
      assertThat(added).isPresent();
      ns.exec("ip", "link", "set", "tapx", "master", "br0", "up").orThrow();
      var attached = until(events, l -> l.name().equals("tapx") && l.master().equals(java.util.Optional.of("br0")) && l.up());
      assertThat(attached).isPresent();
      ns.exec("ip", "link", "del", "tapx").orThrow();
      assertThat(until(events, l -> l.name().equals("tapx") && l.deleted())).isPresent();
    }
  }

  @Test
  void onlyTheWatchedNamespaceIsHeard() {
    Kernel.require("ip");
    try (var watched = Netns.create("nfag-la"); var other = Netns.create("nfag-lb"); var events = LinkEvents.open(watched)) {
      other.exec("ip", "link", "add", "elsewhere", "type", "veth", "peer", "name", "elsewhere-p").orThrow();
      var seen = new ArrayList<LinkEvents.Link>();
      long end = System.nanoTime() + 300_000_000L;
      while (System.nanoTime() < end) seen.addAll(events.next(Duration.ofMillis(100)));
      assertThat(seen).noneMatch(l -> l.name().equals("elsewhere"));
    }
  }

  /** The first event matching {@code p} within a 10 s liveness timeout. */
  private static java.util.Optional<LinkEvents.Link> until(LinkEvents events, Predicate<LinkEvents.Link> p) {
    long end = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < end) {
      List<LinkEvents.Link> got = events.next(Duration.ofMillis(200));
      for (var l : got) if (p.test(l)) return java.util.Optional.of(l);
    }
    return java.util.Optional.empty();
  }
}
