package netfence.model;

import java.util.List;
import java.util.Optional;

/**
 * A whole validated inventory, in document order. Built only by the
 * inventory reader (or, later, the store), so every instance is consistent:
 * references resolve, indexes, MACs, taps and addresses are unique.
 */
public record Inventory(List<Host> hosts, List<Network> networks, List<Vm> vms) {
  public Inventory {
    hosts = List.copyOf(hosts);
    networks = List.copyOf(networks);
    vms = List.copyOf(vms);
  }

  public Optional<Host> host(String name) {
    return hosts.stream().filter(h -> h.name().equals(name)).findFirst();
  }

  public Optional<Network> network(String name) {
    return networks.stream().filter(n -> n.name().equals(name)).findFirst();
  }

  /** The VMs that run on the named host, in document order. */
  public List<Vm> vmsOn(String hostName) {
    return vms.stream().filter(v -> v.host().equals(hostName)).toList();
  }
}
