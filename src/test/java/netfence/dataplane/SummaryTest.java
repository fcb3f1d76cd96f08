package netfence.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import netfence.nft.Family;
import netfence.nft.Nft;
import netfence.nft.NftCommand;
import netfence.nft.SetName;
import org.junit.jupiter.api.Test;

/** The line {@code apply} prints by default. */
class SummaryTest {
  @Test
  void countsEachKindAndNamesOnlyWhatChanged() {
    var e = Nft.Element.of("\"t1\"");
    var nft = List.<NftCommand>of(
        new NftCommand.ReplaceTable(new Nft.Table(Family.INET, Nft.TABLE, List.of(), List.of(), List.of())),
        new NftCommand.AddElements(Family.BRIDGE, SetName.NAMED_PORTS, List.of(e, Nft.Element.of("\"t2\""))),
        new NftCommand.DeleteElements(Family.BRIDGE, SetName.PORT_MAC, List.of(e)));
    var ip = List.of("link set t1 up", "address replace 10.0.0.0/32 dev vm5", "route replace 10.0.0.5/32 dev vm5 proto 110",
        "route replace 10.0.1.0/28 via 10.0.0.5 dev vm5 proto 110 onlink", "route del 10.0.0.9/32 dev vm9 proto 110");
    assertThat(Summary.of(nft, ip, 1_234).text()).isEqualTo("nft: 1 table created or replaced, 2 elements added, 1 element deleted; "
        + "ip: 1 link change, 1 address, 2 routes, 1 route deleted; sysctl: 1,234 settings");
    assertThat(Summary.of(List.of(), List.of(), 0).text()).isEmpty();
  }
}
