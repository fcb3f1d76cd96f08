package netfence.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.List;
import netfence.dataplane.Exec;
import netfence.policy.HostPolicy;
import netfence.testing.Examples;
import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class FramesTest {
  @Test
  void framesAreAtLeastTheEthernetMinimumAndCarryTheNonce() {
    byte[] nonce = {1, 2, 3, 4, 5, 6, 7, 8};
    var p = Packet.udp("02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", Packet.ip("10.0.0.1"), Packet.ip("10.0.0.2"), 1, 2);
    byte[] f = Frames.encode(p, nonce);
    assertThat(f.length).isGreaterThanOrEqualTo(60);
    assertThat(Frames.hex(f)).contains("0102030405060708");
  }

  @Test
  void vlanTagSitsBeforeTheEthertype() {
    var p = Packet.raw("02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", Packet.LLDP).withVlan(42);
    assertThat(Frames.hex(Frames.encode(p, new byte[8])).substring(24, 40)).isEqualTo("8100002a88cc0207");
  }

  /** tcpdump, a real dissector, reads every case's frame and finds no bad checksum or malformed packet. */
  @Test
  @Tag("kernel")
  void tcpdumpAcceptsEveryFrame() throws Exception {
    Kernel.require("tcpdump");
    var pcap = new ByteArrayOutputStream();
    pcap.writeBytes(ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1).array());
    int n = 0;
    for (var example : Examples.all()) {
      var inv = Examples.load(example);
      for (var c : Cases.of(HostPolicy.of(inv, inv.hosts().getFirst().name()))) {
        byte[] f = Frames.encode(c.packet(), new byte[] {9, 9, 9, 9, 9, 9, 9, (byte) n});
        pcap.writeBytes(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(n).putInt(0).putInt(f.length).putInt(f.length).array());
        pcap.writeBytes(f);
        n++;
      }
    }
    var file = Files.createTempFile("netfence-frames", ".pcap");
    try {
      Files.write(file, pcap.toByteArray());
      var r = Exec.run(List.of("tcpdump", "-nn", "-vv", "-e", "-r", file.toString())).orThrow();
      assertThat(r.stdout().lines().filter(l -> l.matches("^\\d.*")).count()).isEqualTo(n);
      // Checksums at every layer are right (the nonce payloads are not real DHCP or LLDP,
      // so tcpdump's application decoders may stop early: "[|bootp]" is expected).
      assertThat(r.stdout().lines().filter(l -> l.matches(".*bad [a-z0-9 ]*cksum.*"))).isEmpty();
      assertThat(r.stdout()).contains("udp sum ok").contains("icmp6 sum ok").doesNotContainIgnoringCase("malformed");
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
