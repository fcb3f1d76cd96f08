package netfence.nft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import netfence.render.nft.NftPolicy;
import org.junit.jupiter.api.Test;

/** The one writer of nft commands. */
class NftScriptTest {
  private static final Nft.Element TAP = Nft.Element.of("\"tap1\"");
  private static final Nft.Element MAPPED = new Nft.Element(List.of("\"tap1\""), Optional.of(new Nft.Jump("from_vm")));

  @Test
  void elementsAreOneCommandPerSetAndMapElementsAreDeletedByKey() {
    String s = NftScript.write(List.of(
        new NftCommand.DeleteElements(Family.BRIDGE, SetName.PORT_VERDICT, List.of(MAPPED)),
        new NftCommand.AddElements(Family.BRIDGE, SetName.PORT_VERDICT, List.of(MAPPED, new Nft.Element(List.of("\"tap2\""),
            Optional.of(new Nft.Jump("from_vm"))))),
        new NftCommand.AddElements(Family.INET, SetName.ROUTED_TAPS, List.of())));
    assertThat(s).isEqualTo("""
        delete element bridge netfence port_verdict { "tap1" }
        add element bridge netfence port_verdict { "tap1" : jump from_vm, "tap2" : jump from_vm }
        """);
  }

  @Test
  void deletingATableCreatesItFirstSoAMissingOneIsNoError() {
    assertThat(NftScript.write(List.of(new NftCommand.DeleteTable(Family.INET))))
        .isEqualTo("table inet netfence {}\ndelete table inet netfence\n");
  }

  @Test
  void replacingATableIsCreateDeleteDefineInOneScript() {
    var t = new Nft.Table(Family.BRIDGE, Nft.TABLE, List.of(), List.of(new Nft.Set("foreign_ports", List.of(Field.IIFNAME), false, false,
        List.of(TAP))), List.of());
    assertThat(NftScript.write(List.of(new NftCommand.ReplaceTable(t)))).isEqualTo("""
        table bridge netfence {}
        delete table bridge netfence
        table bridge netfence {
        \tset foreign_ports {
        \t\ttype ifname
        \t\telements = {
        \t\t\t"tap1"
        \t\t}
        \t}
        }
        """);
    assertThat(NftScript.file(List.of(new NftCommand.ReplaceTable(t), new NftCommand.DeleteTable(Family.INET))))
        .startsWith("#!/usr/sbin/nft -f\n").endsWith("}\ntable inet netfence {}\ndelete table inet netfence\n");
  }

  @Test
  void everyReasonCountedPerVmHasItsCountedSet() {
    for (Family f : List.of(Family.BRIDGE, Family.INET)) {
      for (Reason r : NftPolicy.vmReasons(f)) assertThat(SetName.counted(r).id()).isEqualTo("vm_" + r.id());
    }
    assertThat(Reason.of("unknown_port")).contains(Reason.UNKNOWN_PORT);
    assertThat(SetName.of("nope")).isEmpty();
  }
}
