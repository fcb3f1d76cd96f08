package netfence.state;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import netfence.model.Host;
import netfence.model.Inventory;
import netfence.model.Network;
import netfence.model.Vm;

/**
 * The desired state at one revision, as a subscriber starts from it; the
 * {@link Change}s after that revision follow. Maps are unmodifiable; VMs are
 * those of the host the view was asked for (all when none was named).
 */
public record View(long revision, Map<String, Host> hosts, Map<String, Network> networks, Map<String, Vm> vms) {
  public View {
    hosts = Map.copyOf(hosts);
    networks = Map.copyOf(networks);
    vms = Map.copyOf(vms);
  }

  /** The view of a whole inventory (a file, or a test's). */
  public static View of(long revision, Inventory inv) {
    var hosts = new java.util.HashMap<String, Host>();
    inv.hosts().forEach(h -> hosts.put(h.name(), h));
    var networks = new java.util.HashMap<String, Network>();
    inv.networks().forEach(n -> networks.put(n.name(), n));
    var vms = new java.util.HashMap<String, Vm>();
    inv.vms().forEach(v -> vms.put(v.name(), v));
    return new View(revision, hosts, networks, vms);
  }

  /** The view as an inventory model (hosts and networks by name, then VMs by name). */
  public Inventory inventory() {
    return new Inventory(sorted(hosts), sorted(networks), sorted(vms));
  }

  private static <T> List<T> sorted(Map<String, T> m) {
    return new java.util.TreeMap<>(m).values().stream().toList();
  }

  public Optional<Host> host(String name) {
    return Optional.ofNullable(hosts.get(name));
  }
}
