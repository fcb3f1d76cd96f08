package netfence.dataplane;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A netlink socket of one namespace that has joined one multicast group,
 * through Java's FFM API: what {@link NftEvents} (nftables) and
 * {@link LinkEvents} (rtnetlink links) both read. The socket is created on a
 * short-lived thread that {@code setns(2)}s into the namespace, so it stays
 * there whichever thread reads it.
 */
final class NetlinkSocket implements AutoCloseable {
  /** What {@link #receive} returns when the kernel dropped messages (ENOBUFS): the caller must re-read state. */
  static final byte[] OVERRUN = new byte[0];

  static final int NETLINK_ROUTE = 0;
  static final int NETLINK_NETFILTER = 12;

  private static final int AF_NETLINK = 16;
  private static final int SOCK_RAW = 3;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_RCVTIMEO = 20;
  private static final int SO_RCVBUF = 8;
  private static final int SO_RCVBUFFORCE = 33;
  private static final int EINTR = 4;
  private static final int EAGAIN = 11;
  private static final int ENOBUFS = 105;
  /** What the socket asks the kernel to buffer: a burst of 100,000 VMs' element events fits. */
  static final int RECEIVE_BUFFER = 64 << 20;
  private static final int SOL_NETLINK = 270;
  private static final int NETLINK_ADD_MEMBERSHIP = 1;
  private static final int CLONE_NEWNET = 0x40000000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final MethodHandle SOCKET = handle("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle BIND = handle("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle SETSOCKOPT = handle("setsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
      ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final java.lang.foreign.StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final java.lang.invoke.VarHandle ERRNO = CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
  /** recv(2), with errno captured: a timeout (EAGAIN) and lost messages (ENOBUFS) are told apart by the kernel's word. */
  private static final MethodHandle RECV = LINKER.downcallHandle(LIBC.find("recv").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_LONG,
      ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), Linker.Option.captureCallState("errno"));
  private static final MethodHandle GETSOCKOPT = handle("getsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
      ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
  private static final MethodHandle SEND = handle("send", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
      ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
  private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle SETNS = handle("setns", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

  private final int fd;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment buffer = arena.allocate(1 << 16);

  /** The receive buffer the kernel granted, in bytes (it reports twice what was asked, for its bookkeeping). */
  private final int receiveBuffer;

  /** The receive buffer the kernel granted; less than asked means bursts may be lost (and are then reported as overruns). */
  int receiveBuffer() {
    return receiveBuffer;
  }

  private NetlinkSocket(int fd, int receiveBuffer) {
    this.receiveBuffer = receiveBuffer;
    this.fd = fd;
  }

  private static MethodHandle handle(String name, FunctionDescriptor d) {
    return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), d);
  }

  /** Opens a {@code protocol} socket in {@code ns} and joins {@code group}; {@code what} names it in errors. */
  static NetlinkSocket open(Netns ns, int protocol, int group, String what) {
    return open(ns, protocol, group, what, RECEIVE_BUFFER);
  }

  /** The same with a receive buffer of {@code bufferBytes} (tests make it small to provoke an overrun). */
  static NetlinkSocket open(Netns ns, int protocol, int group, String what, int bufferBytes) {
    ExecutorService t = Executors.newSingleThreadExecutor(r -> {
      Thread th = new Thread(r, "netlink-open");
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
          int fd = (int) SOCKET.invokeExact(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
          if (fd < 0) throw new IllegalStateException("cannot open a " + what + " netlink socket");
          MemorySegment addr = a.allocate(12);
          addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
          int rc = (int) BIND.invokeExact(fd, addr, 12);
          MemorySegment g = a.allocateFrom(ValueLayout.JAVA_INT, group);
          // Group 0: a socket for requests and their answers only.
          int rc2 = group > 0 ? (int) SETSOCKOPT.invokeExact(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g, 4) : 0;
          if (rc != 0 || rc2 != 0) {
            int ignored = (int) CLOSE.invokeExact(fd);
            throw new IllegalStateException("cannot join the " + what + " netlink group");
          }
          // As root, past net.core.rmem_max (FORCE); else as much as rmem_max allows. What was granted is read back.
          MemorySegment size = a.allocateFrom(ValueLayout.JAVA_INT, bufferBytes);
          if ((int) SETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_RCVBUFFORCE, size, 4) != 0) {
            int ignored = (int) SETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_RCVBUF, size, 4);
          }
          MemorySegment got = a.allocate(ValueLayout.JAVA_INT);
          MemorySegment len = a.allocateFrom(ValueLayout.JAVA_INT, 4);
          int rc4 = (int) GETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_RCVBUF, got, len);
          return new NetlinkSocket(fd, rc4 == 0 ? got.get(ValueLayout.JAVA_INT, 0) : -1);
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

  /** Sends one request datagram (a dump request, say); its answers arrive through {@link #receive}. */
  void send(byte[] message) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment m = a.allocate(message.length);
      MemorySegment.copy(message, 0, m, ValueLayout.JAVA_BYTE, 0, message.length);
      long n = (long) SEND.invokeExact(fd, m, (long) message.length, 0);
      if (n != message.length) throw new IllegalStateException("netlink send failed");
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The next datagram, waiting at most {@code timeout}: empty on timeout,
   * {@link #OVERRUN} when the kernel dropped messages and returned early.
   */
  Optional<byte[]> receive(Duration timeout) {
    long left = Math.max(1000, timeout.toNanos());
    try (Arena a = Arena.ofConfined()) {
      MemorySegment tv = a.allocate(16);
      tv.set(ValueLayout.JAVA_LONG, 0, left / 1_000_000_000L);
      tv.set(ValueLayout.JAVA_LONG, 8, Math.max(1000, (left % 1_000_000_000L) / 1000));
      int rc = (int) SETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
      MemorySegment state = a.allocate(CALL_STATE);
      while (true) {
        long n = (long) RECV.invokeExact(state, fd, buffer, buffer.byteSize(), 0);
        if (n >= 0) return Optional.of(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        int errno = (int) ERRNO.get(state, 0L);
        switch (errno) {
          case EINTR -> { }
          case EAGAIN -> {
            return Optional.empty();
          }
          // The kernel dropped messages for want of buffer: something changed unseen.
          case ENOBUFS -> {
            return Optional.of(OVERRUN);
          }
          default -> throw new IllegalStateException("netlink recv failed: errno " + errno);
        }
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
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
