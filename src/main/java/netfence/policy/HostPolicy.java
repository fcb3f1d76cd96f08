package netfence.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import netfence.model.BridgedNetwork;
import netfence.model.Host;
import netfence.model.Inventory;
import netfence.model.Network;
import netfence.model.RoutedNetwork;

/**
 * What one host enforces: its guarded bridges with their VM ports and
 * trusted ports, its routed networks with their taps, and NAT.
 *
 * <pre>{@code
 * HostPolicy p = HostPolicy.of(inventory, "hv1");
 * p.bridges().forEach(b -> ...);   // one per bridged network with VMs on this host
 * }</pre>
 */
public record HostPolicy(Host host, List<Bridge> bridges, List<Routed> routed) {
  public HostPolicy {
    bridges = List.copyOf(bridges);
    routed = List.copyOf(routed);
  }

  /** A bridged network as one host sees it. */
  public record Bridge(BridgedNetwork network, List<Port> ports) {
    public Bridge {
      ports = List.copyOf(ports);
    }

    public String name() {
      return network.bridge();
    }
  }

  /** A routed network as one host sees it: its taps, and NAT out of the uplink when asked. */
  public record Routed(RoutedNetwork network, List<Port> ports) {
    public Routed {
      ports = List.copyOf(ports);
    }
  }

  /** The policy of {@code hostName}; networks without VMs on it are left out. */
  public static HostPolicy of(Inventory inv, String hostName) {
    Host host = inv.host(hostName).orElseThrow(() -> new IllegalArgumentException("host '" + hostName + "' is not in the inventory"));
    var networks = new java.util.HashMap<String, Network>();
    inv.networks().forEach(n -> networks.put(n.name(), n));
    var byNetwork = new LinkedHashMap<String, List<Port>>();
    for (var vm : inv.vmsOn(hostName)) {
      for (Port p : ports(vm, networks)) byNetwork.computeIfAbsent(p.network().name(), k -> new ArrayList<>()).add(p);
    }
    var bridges = new ArrayList<Bridge>();
    var routed = new ArrayList<Routed>();
    for (var net : inv.networks()) {
      List<Port> ports = byNetwork.get(net.name());
      if (ports == null) continue;
      switch (net) {
        case BridgedNetwork b -> bridges.add(new Bridge(b, ports));
        case RoutedNetwork r -> routed.add(new Routed(r, ports));
      }
    }
    return new HostPolicy(host, bridges, routed);
  }

  /** One VM's ports, given the networks by name (the VM is valid: every network it names is there). */
  public static List<Port> ports(netfence.model.Vm vm, java.util.Map<String, Network> networks) {
    var out = new ArrayList<Port>();
    for (int i = 0; i < vm.interfaces().size(); i++) {
      var iface = vm.interfaces().get(i);
      out.add(new Port(vm.name(), vm.index(), i, networks.get(iface.network()), iface));
    }
    return out;
  }

  /** Every port of the host, bridged and routed. */
  public List<Port> ports() {
    var all = new ArrayList<Port>();
    bridges.forEach(b -> all.addAll(b.ports()));
    routed.forEach(r -> all.addAll(r.ports()));
    return all;
  }
}
