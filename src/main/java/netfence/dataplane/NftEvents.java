package netfence.dataplane;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The nftables netlink multicast group of one namespace, read directly
 * ({@code nft monitor} of nftables 1.0.6 can stop printing on element events
 * of concatenated interval sets). Every committed transaction ends with a
 * NEWGEN message naming the process that committed it, so a generation
 * committed by anyone but netfence is the signal to check netfence's tables.
 */
public final class NftEvents implements AutoCloseable {
  /**
   * A committed nftables transaction: its generation, who committed it ({@code pid} is the
   * kernel's task id, i.e. the committing thread), and whether any of its changes named a
   * table called {@code netfence} (any family).
   */
  public record Generation(long id, long pid, String process, boolean touchedNetfence) {}

  private static final int NFNLGRP_NFTABLES = 7;
  private static final int NFNL_SUBSYS_NFTABLES = 10;
  private static final int NFT_MSG_NEWGEN = (NFNL_SUBSYS_NFTABLES << 8) | 15;
  private static final int NFTA_GEN_ID = 1;
  private static final int NFTA_GEN_PROC_PID = 2;
  private static final int NFTA_GEN_PROC_NAME = 3;
  /** In every nf_tables message about a table or its contents, attribute 1 is the table's name. */
  private static final int NFTA_TABLE = 1;
  private static final byte[] NETFENCE = "netfence".getBytes(StandardCharsets.US_ASCII);

  private final NetlinkSocket socket;
  /** Whether the transaction whose messages are being read has named netfence's table so far. */
  private boolean touched;

  private NftEvents(NetlinkSocket socket) {
    this.socket = socket;
  }

  /** Subscribes to the nftables events of {@code ns}. The socket stays in that namespace whichever thread reads it. */
  public static NftEvents open(Netns ns) {
    return new NftEvents(NetlinkSocket.open(ns, NetlinkSocket.NETLINK_NETFILTER, NFNLGRP_NFTABLES, "nftables"));
  }

  /** The same with a receive buffer of {@code bufferBytes}. */
  static NftEvents open(Netns ns, int bufferBytes) {
    return new NftEvents(NetlinkSocket.open(ns, NetlinkSocket.NETLINK_NETFILTER, NFNLGRP_NFTABLES, "nftables", bufferBytes));
  }

  /** The receive buffer the kernel granted, in bytes. */
  int receiveBuffer() {
    return socket.receiveBuffer();
  }

  /**
   * The next committed generation, waiting at most {@code timeout}; empty on
   * timeout. Other messages of the group (table, chain, rule, set, element
   * changes) are skipped: the generation that ends their transaction follows.
   * A lost-messages overrun is reported as a generation of unknown origin.
   */
  public Optional<Generation> next(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) return Optional.empty();
      Optional<byte[]> d = socket.receive(Duration.ofNanos(left));
      if (d.isEmpty()) return Optional.empty();
      // The kernel dropped messages: someone changed something, and the caller must check.
      if (d.get() == NetlinkSocket.OVERRUN) {
        touched = false;
        return Optional.of(new Generation(-1, -1, "(events lost)", true));
      }
      Optional<Generation> g = parse(d.get());
      if (g.isPresent()) return g;
    }
  }

  /**
   * The elements added to a set named {@code set} in the next datagram, as the raw bytes of each
   * NEWSETELEM message, waiting at most {@code timeout}; empty on timeout. For a benchmark that
   * must see the moment an element reaches the kernel without listing the set (which, through
   * nft, costs seconds at 100,000 VMs).
   */
  public java.util.List<byte[]> nextAdded(String set, Duration timeout) {
    Optional<byte[]> d = socket.receive(timeout);
    var out = new java.util.ArrayList<byte[]>();
    if (d.isEmpty() || d.get() == NetlinkSocket.OVERRUN) return out;
    byte[] data = d.get();
    byte[] name = (set + "\0").getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
    for (int at = 0; at + 16 <= data.length; ) {
      int len = b.getInt(at);
      int type = b.getShort(at + 4) & 0xffff;
      if (len < 16 || at + len > data.length) break;
      if (type == ((NFNL_SUBSYS_NFTABLES << 8) | 12) && contains(data, at, len, name)) out.add(java.util.Arrays.copyOfRange(data, at, at + len));
      at += (len + 3) & ~3;
    }
    return out;
  }

  /** Whether {@code needle} occurs in {@code d[from, from + len)}. */
  public static boolean contains(byte[] d, int from, int len, byte[] needle) {
    outer:
    for (int i = from; i + needle.length <= from + len; i++) {
      for (int k = 0; k < needle.length; k++) if (d[i + k] != needle[k]) continue outer;
      return true;
    }
    return false;
  }

  /**
   * The NEWGEN message in a datagram of netlink messages, if there is one; the messages before
   * it (of this datagram and earlier ones) say whether the transaction touched netfence's tables.
   */
  Optional<Generation> parse(byte[] datagram) {
    ByteBuffer b = ByteBuffer.wrap(datagram).order(ByteOrder.nativeOrder());
    Optional<Generation> found = Optional.empty();
    while (b.remaining() >= 16) {
      int start = b.position();
      int len = b.getInt();
      int type = b.getShort() & 0xffff;
      if (len < 16 || start + len > datagram.length) break;
      if (type == NFT_MSG_NEWGEN) {
        long id = -1;
        long pid = -1;
        String name = "";
        int at = start + 16 + 4; // nlmsghdr, nfgenmsg
        while (at + 4 <= start + len) {
          ByteBuffer h = ByteBuffer.wrap(datagram, at, 4).order(ByteOrder.nativeOrder());
          int alen = h.getShort() & 0xffff;
          int atype = h.getShort() & 0x3fff;
          if (alen < 4) break;
          ByteBuffer v = ByteBuffer.wrap(datagram, at + 4, alen - 4).order(ByteOrder.BIG_ENDIAN);
          switch (atype) {
            case NFTA_GEN_ID -> id = v.getInt() & 0xffffffffL;
            case NFTA_GEN_PROC_PID -> pid = v.getInt() & 0xffffffffL;
            case NFTA_GEN_PROC_NAME -> name = new String(datagram, at + 4, Math.max(0, alen - 5), StandardCharsets.UTF_8);
            default -> { }
          }
          at += (alen + 3) & ~3;
        }
        found = Optional.of(new Generation(id, pid, name, touched));
        touched = false;
      } else if ((type >> 8) == NFNL_SUBSYS_NFTABLES && namesNetfence(datagram, start, len)) {
        touched = true;
      }
      b.position(start + ((len + 3) & ~3));
    }
    return found;
  }

  /** Whether the message's table attribute is "netfence". */
  private static boolean namesNetfence(byte[] d, int start, int len) {
    int at = start + 16 + 4;
    while (at + 4 <= start + len) {
      ByteBuffer h = ByteBuffer.wrap(d, at, 4).order(ByteOrder.nativeOrder());
      int alen = h.getShort() & 0xffff;
      int atype = h.getShort() & 0x3fff;
      if (alen < 4) return false;
      if (atype == NFTA_TABLE) {
        int n = alen - 4;
        // A NUL-terminated string: "netfence\0".
        return n == NETFENCE.length + 1 && java.util.Arrays.equals(d, at + 4, at + 4 + NETFENCE.length, NETFENCE, 0, NETFENCE.length);
      }
      at += (alen + 3) & ~3;
    }
    return false;
  }

  @Override
  public void close() {
    socket.close();
  }
}
