package netfence.dataplane;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The nftables netlink multicast group of one namespace, read directly
 * ({@code nft monitor} of nftables 1.0.6 can stop printing on element events
 * of concatenated interval sets). Every committed transaction ends with a
 * NEWGEN message naming the process that committed it, so a generation
 * committed by anyone but netfence is the signal to check netfence's tables.
 */
public final class NftEvents implements AutoCloseable {
  /**
   * A committed nftables transaction: its generation, and who committed it
   * ({@code pid} is the kernel's task id, i.e. the committing thread).
   */
  public record Generation(long id, long pid, String process) {}

  private static final int AF_NETLINK = 16;
  private static final int SOCK_RAW = 3;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int NETLINK_NETFILTER = 12;
  private static final int SOL_SOCKET = 1;
  private static final int SO_RCVTIMEO = 20;
  private static final int SO_RCVBUF = 8;
  private static final int SOL_NETLINK = 270;
  private static final int NETLINK_ADD_MEMBERSHIP = 1;
  private static final int NFNLGRP_NFTABLES = 7;
  private static final int NFT_MSG_NEWGEN = (10 << 8) | 15; // NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWGEN
  private static final int NFTA_GEN_ID = 1;
  private static final int NFTA_GEN_PROC_PID = 2;
  private static final int NFTA_GEN_PROC_NAME = 3;
  private static final int CLONE_NEWNET = 0x40000000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final MethodHandle SOCKET = handle("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle BIND = handle("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle SETSOCKOPT = handle("setsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
      ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle RECV = handle("recv", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
      ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
  private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle SETNS = handle("setns", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

  private final int fd;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment buffer = arena.allocate(1 << 16);

  private NftEvents(int fd) {
    this.fd = fd;
  }

  private static MethodHandle handle(String name, FunctionDescriptor d) {
    return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), d);
  }

  /** Subscribes to the nftables events of {@code ns}. The socket stays in that namespace whichever thread reads it. */
  public static NftEvents open(Netns ns) {
    ExecutorService t = Executors.newSingleThreadExecutor(r -> {
      Thread th = new Thread(r, "nft-events-open");
      th.setDaemon(true);
      return th;
    });
    try {
      return t.submit(() -> {
        try (Arena a = Arena.ofConfined()) {
          if (!ns.isCurrent()) {
            int nsfd = (int) OPEN.invokeExact(a.allocateFrom("/run/netns/" + ns.name()), 0x80000);
            if (nsfd < 0) throw new IllegalStateException("cannot open network namespace " + ns.name());
            int rc = (int) SETNS.invokeExact(nsfd, CLONE_NEWNET);
            int ignored = (int) CLOSE.invokeExact(nsfd);
            if (rc != 0) throw new IllegalStateException("setns into " + ns.name() + " failed");
          }
          int fd = (int) SOCKET.invokeExact(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
          if (fd < 0) throw new IllegalStateException("cannot open a netfilter netlink socket");
          MemorySegment addr = a.allocate(12);
          addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
          int rc = (int) BIND.invokeExact(fd, addr, 12);
          MemorySegment group = a.allocateFrom(ValueLayout.JAVA_INT, NFNLGRP_NFTABLES);
          int rc2 = (int) SETSOCKOPT.invokeExact(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group, 4);
          MemorySegment size = a.allocateFrom(ValueLayout.JAVA_INT, 4 << 20);
          int rc3 = (int) SETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_RCVBUF, size, 4);
          if (rc != 0 || rc2 != 0) {
            int ignored = (int) CLOSE.invokeExact(fd);
            throw new IllegalStateException("cannot join the nftables netlink group");
          }
          return new NftEvents(fd);
        } catch (RuntimeException e) {
          throw e;
        } catch (Throwable e) {
          throw new IllegalStateException(e);
        }
      }).get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    } finally {
      t.shutdown();
    }
  }

  /**
   * The next committed generation, waiting at most {@code timeout}; empty on
   * timeout. Other messages of the group (table, chain, rule, set, element
   * changes) are skipped: the generation that ends their transaction follows.
   * A lost-messages overrun is reported as a generation of unknown origin.
   */
  public Optional<Generation> next(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Arena a = Arena.ofConfined()) {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return Optional.empty();
        MemorySegment tv = a.allocate(16);
        tv.set(ValueLayout.JAVA_LONG, 0, left / 1_000_000_000L);
        tv.set(ValueLayout.JAVA_LONG, 8, Math.max(1000, (left % 1_000_000_000L) / 1000));
        int rc = (int) SETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
        long n = (long) RECV.invokeExact(fd, buffer, buffer.byteSize(), 0);
        if (n < 0) {
          // Timed out (EAGAIN), or the kernel dropped messages (ENOBUFS) and returned early:
          // then someone changed something, and the caller must check.
          if (System.nanoTime() < deadline - 1_000_000) return Optional.of(new Generation(-1, -1, "(events lost)"));
          return Optional.empty();
        }
        Optional<Generation> g = parse(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        if (g.isPresent()) return g;
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /** The NEWGEN message in a datagram of netlink messages, if there is one. */
  static Optional<Generation> parse(byte[] datagram) {
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
        found = Optional.of(new Generation(id, pid, name));
      }
      b.position(start + ((len + 3) & ~3));
    }
    return found;
  }

  @Override
  public void close() {
    try {
      int ignored = (int) CLOSE.invokeExact(fd);
    } catch (Throwable ignored) {
      // closing a socket cannot be retried
    }
    arena.close();
  }
}
