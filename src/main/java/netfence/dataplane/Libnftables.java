package netfence.dataplane;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * libnftables ({@code libnftables.so.1}) through Java's FFM API: one
 * long-lived context, commands as buffers, output and errors captured in
 * memory. A call costs tens of microseconds, where each {@code nft} process
 * costs milliseconds.
 *
 * <p>A netlink socket belongs to the namespace of the thread that opens it,
 * so every call runs on one dedicated platform thread that first enters the
 * target namespace with {@code setns(2)}.
 */
final class Libnftables implements NftSession {
  private static final int NFT_CTX_OUTPUT_HANDLE = 1 << 3;
  private static final int NFT_CTX_OUTPUT_JSON = 1 << 4;
  private static final int NFT_CTX_OUTPUT_TERSE = 1 << 11;
  private static final int CLONE_NEWNET = 0x40000000;
  private static final int O_RDONLY_CLOEXEC = 0x80000;

  private final ExecutorService thread;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment ctx;
  private final MethodHandle run;
  private final MethodHandle setFlags;
  private final MethodHandle outputBuffer;
  private final MethodHandle errorBuffer;
  private final MethodHandle free;
  private final long tid;

  private Libnftables(ExecutorService thread, SymbolLookup lib) throws Throwable {
    this.thread = thread;
    Linker linker = Linker.nativeLinker();
    var ptr = ValueLayout.ADDRESS;
    var i32 = ValueLayout.JAVA_INT;
    MethodHandle ctxNew = linker.downcallHandle(find(lib, "nft_ctx_new"), FunctionDescriptor.of(ptr, i32));
    MethodHandle bufferOutput = linker.downcallHandle(find(lib, "nft_ctx_buffer_output"), FunctionDescriptor.of(i32, ptr));
    MethodHandle bufferError = linker.downcallHandle(find(lib, "nft_ctx_buffer_error"), FunctionDescriptor.of(i32, ptr));
    this.run = linker.downcallHandle(find(lib, "nft_run_cmd_from_buffer"), FunctionDescriptor.of(i32, ptr, ptr));
    this.setFlags = linker.downcallHandle(find(lib, "nft_ctx_output_set_flags"), FunctionDescriptor.ofVoid(ptr, i32));
    var cstring = ptr.withTargetLayout(java.lang.foreign.MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE));
    this.outputBuffer = linker.downcallHandle(find(lib, "nft_ctx_get_output_buffer"), FunctionDescriptor.of(cstring, ptr));
    this.errorBuffer = linker.downcallHandle(find(lib, "nft_ctx_get_error_buffer"), FunctionDescriptor.of(cstring, ptr));
    this.free = linker.downcallHandle(find(lib, "nft_ctx_free"), FunctionDescriptor.ofVoid(ptr));
    MethodHandle gettid = linker.downcallHandle(linker.defaultLookup().find("gettid").orElseThrow(), FunctionDescriptor.of(i32));
    this.tid = (int) gettid.invokeExact();
    this.ctx = (MemorySegment) ctxNew.invokeExact(0);
    if (ctx.equals(MemorySegment.NULL)) throw new IllegalStateException("nft_ctx_new failed");
    int a = (int) bufferOutput.invokeExact(ctx);
    int b = (int) bufferError.invokeExact(ctx);
    if (a != 0 || b != 0) throw new IllegalStateException("cannot buffer libnftables output");
  }

  private static MemorySegment find(SymbolLookup lib, String name) {
    return lib.find(name).orElseThrow(() -> new IllegalStateException("libnftables lacks " + name));
  }

  /** Opens a context inside {@code ns}; throws when the library or the namespace is not there. */
  static Libnftables open(Netns ns) {
    ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "libnftables-" + ns.name());
      t.setDaemon(true);
      return t;
    });
    Future<Libnftables> f = thread.submit(() -> {
      SymbolLookup lib = SymbolLookup.libraryLookup("libnftables.so.1", Arena.global());
      try {
        if (!ns.isCurrent()) enter(ns.name());
        return new Libnftables(thread, lib);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    });
    try {
      return f.get();
    } catch (ExecutionException e) {
      thread.shutdownNow();
      Throwable c = e.getCause();
      if (c instanceof IllegalArgumentException iae) throw new IllegalStateException(iae.getMessage(), iae);
      if (c instanceof RuntimeException re) throw re;
      if (c instanceof Error err) throw err;
      throw new IllegalStateException(c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      thread.shutdownNow();
      throw new IllegalStateException("interrupted");
    }
  }

  /** Moves the calling thread into the named namespace ({@code /run/netns/NAME}). */
  private static void enter(String name) throws Throwable {
    Linker linker = Linker.nativeLinker();
    SymbolLookup libc = linker.defaultLookup();
    MethodHandle open = linker.downcallHandle(libc.find("open").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    MethodHandle setns = linker.downcallHandle(libc.find("setns").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    try (Arena a = Arena.ofConfined()) {
      int fd = (int) open.invokeExact(a.allocateFrom("/run/netns/" + name), O_RDONLY_CLOEXEC);
      if (fd < 0) throw new IllegalStateException("cannot open network namespace " + name);
      int rc = (int) setns.invokeExact(fd, CLONE_NEWNET);
      int ignored = (int) close.invokeExact(fd);
      if (rc != 0) throw new IllegalStateException("setns into " + name + " failed");
    }
  }

  @Override
  public Result run(String commands) {
    return call(commands, 0);
  }

  @Override
  public Result json(String command) {
    return call(command, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
  }

  @Override
  public Result jsonTerse(String command) {
    return call(command, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE | NFT_CTX_OUTPUT_TERSE);
  }

  private Result call(String commands, int flags) {
    Future<Result> f = thread.submit(() -> {
      try (Arena a = Arena.ofConfined()) {
        setFlags.invokeExact(ctx, flags);
        int rc = (int) run.invokeExact(ctx, a.allocateFrom(commands));
        String out = ((MemorySegment) outputBuffer.invokeExact(ctx)).getString(0);
        String err = ((MemorySegment) errorBuffer.invokeExact(ctx)).getString(0);
        return new Result(rc == 0, out, err);
      } catch (Throwable e) {
        return new Result(false, "", String.valueOf(e.getMessage()));
      }
    });
    try {
      return f.get();
    } catch (ExecutionException e) {
      return new Result(false, "", String.valueOf(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(false, "", "interrupted");
    }
  }

  @Override
  public String kind() {
    return "libnftables";
  }

  /**
   * The kernel thread id that commits this session's transactions: nftables
   * generation events name it ({@link NftEvents.Generation#pid()}), which is
   * how netfence tells its own changes from anyone else's.
   */
  @Override
  public java.util.OptionalLong committer() {
    return java.util.OptionalLong.of(tid);
  }

  @Override
  public void close() {
    thread.submit(() -> {
      try {
        free.invokeExact(ctx);
      } catch (Throwable ignored) {
        // the context is gone with the thread either way
      }
    });
    thread.shutdown();
  }
}
