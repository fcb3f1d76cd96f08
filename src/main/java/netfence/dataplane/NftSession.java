package netfence.dataplane;

/**
 * Runs nft commands in one network namespace: in process through
 * libnftables where the library is there ({@link Libnftables}), else
 * through the {@code nft} executable ({@link NftProcess}). A batch of
 * commands is one atomic transaction either way.
 */
public interface NftSession extends AutoCloseable {
  /** What nft answered. */
  record Result(boolean ok, String output, String error) {
    public Result orThrow() {
      if (!ok) throw new IllegalStateException("nft failed: " + error.strip());
      return this;
    }
  }

  /** Runs {@code commands} (nft syntax, several lines) as one transaction. */
  Result run(String commands);

  /** Runs typed commands as one transaction, written by {@link netfence.nft.NftScript}; nothing for none. */
  default Result run(java.util.List<netfence.nft.NftCommand> commands) {
    return commands.isEmpty() ? new Result(true, "", "") : run(netfence.nft.NftScript.write(commands));
  }

  /** Runs a listing command and returns its JSON ({@code nft -j}). */
  Result json(String command);

  /** The same without set elements ({@code nft -j -t}), so its cost does not grow with them. */
  Result jsonTerse(String command);

  /** The thread id nftables events will name for this session's commits, where it is known in advance. */
  default java.util.OptionalLong committer() {
    return java.util.OptionalLong.empty();
  }

  /** Says how commands reach the kernel, for logs: "libnftables" or "nft executable". */
  String kind();

  @Override
  void close();

  /** The in-process session where libnftables loads, else the executable, saying why on {@code log}. */
  static NftSession open(Netns ns, java.util.function.Consumer<String> log) {
    try {
      return Libnftables.open(ns);
    } catch (UnsatisfiedLinkError | IllegalStateException e) {
      log.accept("netfence: libnftables unavailable (" + e.getMessage() + "); using the nft executable");
      return new NftProcess(ns);
    }
  }
}
