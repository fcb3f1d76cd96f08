package netfence.state;

import java.util.List;
import java.util.Optional;
import netfence.model.Host;
import netfence.model.Network;
import netfence.model.Vm;

/**
 * One committed revision as subscribers see it: the objects it changed, each
 * before and after (empty: absent). A change to a network or host also lists
 * every VM whose model it changed (a routed network's new prefix re-addresses
 * its VMs).
 */
public record Change(long revision, List<Delta> deltas) {
  public Change {
    deltas = List.copyOf(deltas);
  }

  /** One object's change. */
  public sealed interface Delta {
    String name();
  }

  public record VmDelta(String name, Optional<Vm> before, Optional<Vm> after) implements Delta {}

  public record HostDelta(String name, Optional<Host> before, Optional<Host> after) implements Delta {}

  public record NetworkDelta(String name, Optional<Network> before, Optional<Network> after) implements Delta {}
}
