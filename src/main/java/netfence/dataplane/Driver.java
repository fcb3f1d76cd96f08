package netfence.dataplane;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import netfence.model.Inventory;
import netfence.policy.Port;

/**
 * The data plane as the agent drives it: the only way its decisions reach the
 * kernel. {@link #kernel} is the real one (libnftables in process, {@code ip},
 * {@code sysctl}, in one network namespace); tests of the agent's logic need
 * none, because the decisions are made without it.
 *
 * <pre>{@code
 * try (Driver d = Driver.kernel(Netns.current(), System.err::println)) {
 *   d.sync(inventory, "hv1");                             // full read-back apply
 *   var failed = d.elements(List.of(new Driver.ElementChange(Optional.empty(), Optional.of(port))));
 * }
 * }</pre>
 */
public interface Driver extends AutoCloseable {
  /** One interface's element changes: from what the kernel holds for it to what is desired. */
  record ElementChange(Optional<Port> from, Optional<Port> to) {}

  /**
   * Commits the changes as one transaction, in order. When that fails, each change is tried
   * alone, so that only the failing ones fail. Returns, per change, empty when it is in the
   * kernel, or why it is not (then it changed nothing).
   */
  List<Optional<String>> elements(List<ElementChange> changes);

  /** Configures the ports' taps (attach or addresses and routes, sysctls) together; the taps that failed, with why. */
  Map<String, String> configure(List<Port> ports);

  /** Removes the routes netfence made to these routed ports' VMs; routes already gone are fine. */
  void removeRoutes(List<Port> ports);

  /** Adds ports to, and removes ports from, {@code foreign_ports} in one transaction; why it failed, if it did. */
  Optional<String> foreign(List<String> add, List<String> remove);

  /**
   * Makes the namespace match {@code host}'s policy in {@code desired}, reading everything back
   * ({@link HostApply}). Returns what it changed and the ports it found on guarded bridges that
   * the inventory does not name.
   *
   * @throws ApplyException when reading or writing fails (a failed nft transaction changed nothing)
   */
  Synced sync(Inventory desired, String host);

  /** What a full sync did. */
  record Synced(ApplyReport report, Set<String> foreignPorts) {}

  /**
   * Puts netfence's tables back when they are missing (someone flushed the ruleset), quickly at
   * any size and closed at every moment: first, in one transaction, the tables with only the
   * sets that say which ports are netfence's (a VM port then gets nothing through until its
   * allowlist is back), then the allowlists in transactions of bounded size. Links, addresses
   * and routes are not read back. Returns the foreign ports it put in.
   *
   * @throws ApplyException when a transaction fails (the next sync reads everything back)
   */
  Synced restore(Inventory desired, String host);

  /**
   * A cheap look at netfence's tables, in time independent of how many VMs there are: are they
   * all there, and are they the ones the last sync left (same tables, chains, rules and sets)?
   * Empty when they are; else what is wrong.
   */
  Optional<String> check();

  /** Whether what {@link #check} found is that a table is missing (then {@link #restore} applies). */
  static boolean missing(String problem) {
    return problem.endsWith(" is missing");
  }

  /** The kernel thread ids whose nftables commits are this driver's own (the guard ignores them). */
  Set<Long> committers();

  @Override
  void close();

  /** The kernel's data plane in {@code ns}. */
  static Driver kernel(Netns ns, java.util.function.Consumer<String> log) {
    return new KernelDriver(ns, log);
  }
}
