package netfence.dataplane;

import java.util.ArrayList;
import java.util.List;

/**
 * A named network namespace ({@code ip netns}). Closing it deletes it, so
 * try-with-resources cleans up even when a test or the lab fails.
 *
 * <pre>{@code
 * try (var ns = Netns.create("nf-test")) {
 *   ns.exec("nft", "-c", "-f", "/tmp/x.nft").orThrow();
 * }
 * }</pre>
 */
public final class Netns implements AutoCloseable {
  private final String name;
  private final boolean owned;

  private Netns(String name, boolean owned) {
    this.name = name;
    this.owned = owned;
  }

  /** Creates the namespace (deleting a leftover of the same name first) with loopback up. */
  public static Netns create(String name) {
    Exec.run(List.of("ip", "netns", "del", name));
    Exec.run(List.of("ip", "netns", "add", name)).orThrow();
    var ns = new Netns(name, true);
    ns.exec("ip", "link", "set", "lo", "up").orThrow();
    return ns;
  }

  /**
   * The namespace this process runs in: commands run as they are, without
   * {@code ip netns exec}. Not owned: closing it does nothing.
   */
  public static Netns current() {
    return new Netns(null, false);
  }

  /** True for {@link #current()}. */
  public boolean isCurrent() {
    return name == null;
  }

  /** An existing namespace, not owned: closing it does nothing. */
  public static Netns existing(String name) {
    return new Netns(name, false);
  }

  /** The namespace's name; {@code "(current)"} for {@link #current()}. */
  public String name() {
    return name == null ? "(current)" : name;
  }

  public Exec.Result exec(String... command) {
    return exec(List.of(command), null);
  }

  public Exec.Result exec(List<String> command, String stdin) {
    var full = new ArrayList<String>();
    if (!isCurrent()) full.addAll(List.of("ip", "netns", "exec", name));
    full.addAll(command);
    return Exec.run(full, stdin, 120);
  }

  @Override
  public void close() {
    if (owned && name != null) Exec.run(List.of("ip", "netns", "del", name));
  }
}
