package netfence.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import netfence.verify.Case;
import netfence.verify.Matrix;
import netfence.verify.Frames;
import netfence.verify.Packet;
import org.junit.jupiter.api.Test;

class RowTest {
  private static final Packet UDP = Packet.udp("02:00:00:00:00:01", "02:00:00:00:00:02",
      new inet.ipaddr.IPAddressString("10.0.0.5").getAddress(), new inet.ipaddr.IPAddressString("100.127.255.2").getAddress(), 40000, 9);

  private static Row row(Case.Expect expect, Row.Seen seen) {
    var c = new Case("web", "x", expect, "vm5", Case.Path.FORWARD, UDP, "enp0s3", Optional.empty());
    return new Row("hv1", c, seen, Optional.empty());
  }

  @Test
  void anAttackThatGotThroughIsALeakALegitimatePacketThatDidNotIsAFalseDrop() {
    assertThat(row(Case.Expect.BLOCK, Row.Seen.BLOCKED).toMatrix().status()).isEqualTo(Matrix.Status.OK);
    assertThat(row(Case.Expect.BLOCK, Row.Seen.PASSED).toMatrix().status()).isEqualTo(Matrix.Status.LEAK);
    assertThat(row(Case.Expect.PASS, Row.Seen.PASSED).toMatrix().status()).isEqualTo(Matrix.Status.OK);
    assertThat(row(Case.Expect.PASS, Row.Seen.BLOCKED).toMatrix().status()).isEqualTo(Matrix.Status.FALSE_DROP);
    assertThat(row(Case.Expect.PASS, Row.Seen.PASSED_UNNATED).toMatrix().status()).isEqualTo(Matrix.Status.LEAK);
  }

  @Test
  void theSummaryCountsEachStatus() {
    var m = new Matrix();
    for (var r : java.util.List.of(row(Case.Expect.BLOCK, Row.Seen.BLOCKED), row(Case.Expect.BLOCK, Row.Seen.PASSED),
        row(Case.Expect.PASS, Row.Seen.BLOCKED))) {
      m.add(r.toMatrix());
    }
    assertThat(m.summary()).isEqualTo("3 cases: 1 ok, 1 leaks, 1 false drops");
    assertThat(m.clean()).isFalse();
  }

  @Test
  void theIpv4SourceOfACapturedFrameIsFoundBehindAVlanTag() {
    String plain = Frames.hex(Frames.encode(UDP, new byte[8]));
    assertThat(Lab.ipv4Source(plain)).isEqualTo("10.0.0.5");
    assertThat(Lab.ipv4Source(Frames.hex(Frames.encode(UDP.withVlan(7), new byte[8])))).isEqualTo("10.0.0.5");
  }
}
