package netfence.verify;

import inet.ipaddr.MACAddressString;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Builds the exact bytes of a {@link Packet}, with a {@code nonce} inside the
 * payload so a capture on the far side can tell which case arrived. The
 * nonce sits inside the IP payload (not Ethernet padding), because
 * br_netfilter trims bridged IP frames to their IP length.
 */
public final class Frames {
  private Frames() {}

  public static byte[] encode(Packet p, byte[] nonce) {
    var out = new ByteArrayOutputStream();
    out.writeBytes(mac(p.dstMac()));
    out.writeBytes(mac(p.srcMac()));
    if (p.vlan().isPresent()) {
      out.writeBytes(u16(0x8100));
      out.writeBytes(u16(p.vlan().get() & 0x0fff));
    }
    out.writeBytes(u16(p.ethertype()));
    byte[] payload = switch (p.ethertype()) {
      case Packet.IPV4 -> ipv4(p, nonce);
      case Packet.IPV6 -> ipv6(p, nonce);
      case Packet.ARP -> arp(p, nonce);
      default -> p.ethertype() < 0x600 ? llc(nonce) : concat(new byte[] {0x02, 0x07, 0x04}, nonce);
    };
    out.writeBytes(payload);
    byte[] frame = out.toByteArray();
    if (frame.length < 60) frame = java.util.Arrays.copyOf(frame, 60);
    return frame;
  }

  /** An 802.3 frame's LLC header and a BPDU-like body (STP: DSAP/SSAP 0x42). */
  private static byte[] llc(byte[] nonce) {
    return concat(new byte[] {0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x00}, nonce);
  }

  /**
   * The transport header and what follows it, as a filter's raw payload expressions
   * ({@code @th,OFFSET,LENGTH}) read them; empty when the packet has none (not IP, or a first
   * fragment without it). The nonce is zeros: it never sits where a rule looks.
   */
  public static java.util.Optional<byte[]> transport(Packet p) {
    if (!p.isIp() || p.firstFragment() || p.l4() == 0) return java.util.Optional.empty();
    byte[] nonce = new byte[8];
    return java.util.Optional.of(p.ethertype() == Packet.IPV4 ? l4v4(p, nonce) : l4v6(p, nonce));
  }

  private static byte[] l4v4(Packet p, byte[] nonce) {
    return switch (p.l4()) {
      case Packet.UDP -> udp(p, udpPayload(p, nonce), false);
      case Packet.TCP -> tcp(p, nonce);
      case Packet.ICMP -> withChecksum(concat(new byte[] {(byte) p.type(), 0, 0, 0, 0x12, 0x34, 0, 1}, nonce), 2, new byte[0]);
      case Packet.IGMP -> withChecksum(concat(new byte[] {(byte) p.type(), 100, 0, 0, 0, 0, 0, 0}, nonce), 2, new byte[0]);
      default -> nonce;
    };
  }

  private static byte[] ipv4(Packet p, byte[] nonce) {
    byte[] l4 = l4v4(p, nonce);
    var h = ByteBuffer.allocate(20);
    h.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.length)).putShort((short) 0x4e46).putShort((short) 0)
        .put((byte) (p.l4() == Packet.IGMP ? 1 : 64)).put((byte) p.l4()).putShort((short) 0)
        .put(p.src().orElseThrow().getBytes()).put(p.dst().orElseThrow().getBytes());
    byte[] header = h.array();
    int sum = checksum(header, 0);
    header[10] = (byte) (sum >> 8);
    header[11] = (byte) sum;
    return concat(header, l4);
  }

  private static byte[] ipv6(Packet p, byte[] nonce) {
    byte[] pseudoSrc = p.src().orElseThrow().getBytes();
    byte[] pseudoDst = p.dst().orElseThrow().getBytes();
    if (p.firstFragment()) return firstFragment(p, nonce, pseudoSrc, pseudoDst);
    byte[] l4 = l4v6(p, nonce);
    byte[] ext = new byte[0];
    int next = p.l4();
    if (ndOptions(p)) {
      // The nonce rides in a destination-options header (an option receivers skip, type 0x1e),
      // so the NDP message's options are exactly what the case says: its link-layer option or none.
      ext = concat(new byte[] {(byte) next, 1, 0x1e, 10}, nonce, new byte[] {0, 0, 0x01, 0x00});
      next = 60;
    }
    if (p.hopByHop()) {
      // Hop-by-hop header with a Router Alert option (as MLD uses), padded to 8 bytes.
      ext = concat(new byte[] {(byte) next, 0, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00}, ext);
      next = 0;
    }
    var h = ByteBuffer.allocate(40);
    h.putInt(0x60000000 | 0x4e46).putShort((short) (ext.length + l4.length)).put((byte) next)
        .put((byte) (p.l4() == Packet.ICMPV6 && p.type() >= 130 && p.type() <= 143 ? 255 : 64))
        .put(pseudoSrc).put(pseudoDst);
    return concat(h.array(), ext, l4);
  }

  private static byte[] l4v6(Packet p, byte[] nonce) {
    return switch (p.l4()) {
      case Packet.UDP -> udp(p, udpPayload(p, nonce), true);
      case Packet.TCP -> tcp(p, nonce);
      case Packet.ICMPV6 -> icmpv6(p, nonce);
      default -> nonce;
    };
  }

  /** Router and neighbour solicitations and advertisements: their options are the case's, the nonce is elsewhere. */
  private static boolean ndOptions(Packet p) {
    return p.l4() == Packet.ICMPV6 && (p.type() == 133 || p.type() == 135 || p.type() == 136);
  }

  /**
   * A UDP payload: a DHCPv4 client message (BOOTP layout, RFC 2131) whose {@code xid}, {@code secs}
   * and {@code flags} carry the nonce and whose {@code chaddr} is the packet's; else the nonce and padding.
   */
  private static byte[] udpPayload(Packet p, byte[] nonce) {
    if (p.ethertype() != Packet.IPV4 || p.sport() != 68 || p.dport() != 67 || p.lla().isEmpty()) return concat(nonce, new byte[8]);
    var b = ByteBuffer.allocate(240 + 1);
    b.put((byte) 1).put((byte) 1).put((byte) 6).put((byte) 0).put(nonce).put(new byte[16]).put(mac(p.lla().get())).put(new byte[10])
        .put(new byte[192]).putInt(0x63825363).put((byte) 255);
    return b.array();
  }

  /**
   * The first fragment of a packet whose upper-layer header is in the second: IPv6, a fragment
   * header (offset 0, more fragments), a destination-options header that carries the nonce in an
   * option unknown receivers skip (type 0x1e), and nothing else. The ICMPv6 header would follow in
   * the second fragment, which is not sent: the first one is what a filter must judge.
   */
  private static byte[] firstFragment(Packet p, byte[] nonce, byte[] src, byte[] dst) {
    byte[] frag = {60, 0, 0x00, 0x01, 0x4e, 0x46, 0x00, 0x01}; // next: destination options; offset 0, M=1; id
    var opts = ByteBuffer.allocate(16);
    opts.put((byte) p.l4()).put((byte) 1).put((byte) 0x1e).put((byte) 12).put(nonce);
    var h = ByteBuffer.allocate(40);
    h.putInt(0x60000000 | 0x4e46).putShort((short) (frag.length + 16)).put((byte) 44).put((byte) 255).put(src).put(dst);
    return concat(h.array(), frag, opts.array());
  }

  /** ICMPv6: NDP messages carry their target; RAs their fixed fields; the nonce rides in an unknown option. */
  private static byte[] icmpv6(Packet p, byte[] nonce) {
    var b = new ByteArrayOutputStream();
    b.write(p.type());
    b.write(0);
    b.writeBytes(new byte[2]);
    switch (p.type()) {
      case 133 -> b.writeBytes(new byte[4]); // RS: reserved
      case 135, 136 -> {
        b.writeBytes(p.type() == 136 ? new byte[] {0x20, 0, 0, 0} : new byte[4]); // NA: override flag
        b.writeBytes(p.target().orElseThrow().getBytes());
      }
      case 134 -> b.writeBytes(new byte[] {64, 0, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0}); // RA: lifetime 1800 s
      case 130 -> {
        b.writeBytes(new byte[] {0x03, (byte) 0xe8, 0, 0}); // MLD query, max delay 1000 ms
        b.writeBytes(new byte[16]);
      }
      case 143 -> b.writeBytes(new byte[4]); // MLDv2 report with no records
      default -> b.writeBytes(new byte[] {0x12, 0x34, 0, 1}); // echo: identifier, sequence
    }
    if (ndOptions(p)) {
      p.lla().ifPresent(lla -> {
        if (p.llaBehindOther()) {
          b.write(253); // an experimental option (RFC 4727) that looks like a link-layer option: own MAC
          b.write(1);
          b.writeBytes(mac(p.srcMac()));
        }
        b.write(p.type() == 136 ? 2 : 1); // target / source link-layer address option
        b.write(1);
        b.writeBytes(mac(lla));
      });
    } else if (p.type() == 128 || p.type() == 129) {
      b.writeBytes(nonce);
    } else {
      // An unassigned ND option type (253 is for experiments, RFC 4727) carrying the nonce.
      b.write(253);
      b.write((2 + nonce.length + 7) / 8);
      byte[] opt = new byte[((2 + nonce.length + 7) / 8) * 8 - 2];
      System.arraycopy(nonce, 0, opt, 0, nonce.length);
      b.writeBytes(opt);
    }
    return withChecksum(b.toByteArray(), 2, pseudo(p, Packet.ICMPV6, b.size()));
  }

  /** UDP; over IPv4 the checksum may stay zero, over IPv6 it is mandatory. */
  private static byte[] udp(Packet p, byte[] data, boolean checksum) {
    var u = ByteBuffer.allocate(8 + data.length);
    u.putShort((short) p.sport()).putShort((short) p.dport()).putShort((short) (8 + data.length)).putShort((short) 0).put(data);
    byte[] b = u.array();
    return checksum ? withChecksum(b, 6, pseudo(p, Packet.UDP, b.length)) : b;
  }

  private static byte[] tcp(Packet p, byte[] nonce) {
    var t = ByteBuffer.allocate(20 + nonce.length);
    t.putShort((short) p.sport()).putShort((short) p.dport()).putInt(0x4e460000).putInt(0).put((byte) 0x50).put((byte) 0x02)
        .putShort((short) 64240).putShort((short) 0).putShort((short) 0).put(nonce);
    return withChecksum(t.array(), 16, pseudo(p, Packet.TCP, t.capacity()));
  }

  private static byte[] arp(Packet p, byte[] nonce) {
    var a = ByteBuffer.allocate(28 + nonce.length);
    a.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) p.type())
        .put(mac(p.lla().orElseThrow())).put(p.src().orElseThrow().getBytes())
        .put(p.type() == 2 ? mac(p.dstMac()) : new byte[6]).put(p.target().orElseThrow().getBytes()).put(nonce);
    return a.array();
  }

  /** The pseudo-header of the transport checksum: addresses, protocol and length (RFC 768, RFC 8200). */
  private static byte[] pseudo(Packet p, int proto, int length) {
    byte[] src = p.src().orElseThrow().getBytes();
    byte[] dst = p.dst().orElseThrow().getBytes();
    if (src.length == 4) return concat(src, dst, new byte[] {0, (byte) proto, (byte) (length >> 8), (byte) length});
    return concat(src, dst, ByteBuffer.allocate(8).putInt(length).putInt(proto).array());
  }

  /** Fills the 16-bit Internet checksum at {@code at}, computed over {@code pseudo} and {@code data}. */
  private static byte[] withChecksum(byte[] data, int at, byte[] pseudo) {
    int sum = checksum(concat(pseudo, data), 0);
    data[at] = (byte) (sum >> 8);
    data[at + 1] = (byte) sum;
    return data;
  }

  static int checksum(byte[] b, int initial) {
    long sum = initial;
    for (int i = 0; i + 1 < b.length; i += 2) sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    if (b.length % 2 == 1) sum += (b[b.length - 1] & 0xff) << 8;
    while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
    return (int) (~sum & 0xffff);
  }

  static byte[] mac(String s) {
    return new MACAddressString(s).getAddress().getBytes();
  }

  private static byte[] u16(int v) {
    return new byte[] {(byte) (v >> 8), (byte) v};
  }

  private static byte[] concat(byte[]... parts) {
    var out = new ByteArrayOutputStream();
    for (byte[] p : parts) out.writeBytes(p);
    return out.toByteArray();
  }

  /** Hex of bytes, as the lab's packet tool reads and prints them. */
  public static String hex(byte[] b) {
    return java.util.HexFormat.of().formatHex(b);
  }
}
