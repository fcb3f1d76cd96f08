package netfence.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("kernel")
class NftCountersTest {
  @Test
  void theNamedCountersOfOneTableInEveryFamilyAndNoOthers() {
    Kernel.require("nft", "ip");
    try (var ns = Netns.create("nfcnt-test"); var counters = NftCounters.open(ns)) {
      ns.exec(List.of("nft", "-f", "-"), """
          table bridge netfence {
            counter a { packets 7 bytes 700; }
            counter b { }
          }
          table inet netfence {
            counter c { packets 3 bytes 30; }
          }
          table inet other {
            counter a { packets 99 bytes 9900; }
          }
          """).orThrow();
      assertThat(counters.read("netfence")).containsExactlyInAnyOrder(
          new NftCounters.Counter("bridge", "a", 7, 700), new NftCounters.Counter("bridge", "b", 0, 0),
          new NftCounters.Counter("inet", "c", 3, 30));
      assertThat(counters.read("missing")).isEmpty();
    }
  }
}
