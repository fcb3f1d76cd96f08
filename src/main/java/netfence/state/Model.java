package netfence.state;

import inet.ipaddr.IPAddress;
import java.math.BigInteger;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import netfence.inventory.Claims;
import netfence.inventory.VmReader;
import netfence.model.BridgedNetwork;
import netfence.model.Host;
import netfence.model.Inventory;
import netfence.model.Network;
import netfence.model.Vm;

/**
 * The desired state as the sequencer holds it: the model objects by name,
 * the {@link Claims} that validate a VM against all others, and what
 * allocation and deletion need to answer in time independent of the fleet:
 * the indexes in use, the VMs per host and per network, and per bridged
 * network the IPv4 offsets known to be taken. Only the sequencer thread
 * touches it.
 */
final class Model {
  final Map<String, Host> hosts;
  final Map<String, Network> networks;
  final Map<String, Vm> vms = new HashMap<>();
  final Claims claims;
  private final BitSet indexes = new BitSet();
  private final Map<String, Set<String>> byHost = new HashMap<>();
  private final Map<String, Set<String>> byNetwork = new HashMap<>();
  /** Per bridged network with IPv4: offsets in its prefix known to be taken (a hint; {@link Claims} decides). */
  private final Map<String, BitSet> ipv4Taken = new HashMap<>();

  private Model(Map<String, Host> hosts, Map<String, Network> networks, Claims claims) {
    this.hosts = hosts;
    this.networks = networks;
    this.claims = claims;
  }

  /** The model of a valid inventory. */
  static Model of(Inventory inv) {
    var hosts = new LinkedHashMap<String, Host>();
    inv.hosts().forEach(h -> hosts.put(h.name(), h));
    var networks = new LinkedHashMap<String, Network>();
    inv.networks().forEach(n -> networks.put(n.name(), n));
    var m = new Model(hosts, networks, Claims.of(inv));
    for (Vm vm : inv.vms()) m.track(Optional.empty(), Optional.of(vm));
    return m;
  }

  /** The model as an inventory: hosts and networks in their order, VMs by name. */
  Inventory inventory() {
    return new Inventory(hosts.values().stream().toList(), networks.values().stream().toList(),
        new java.util.TreeMap<>(vms).values().stream().toList());
  }

  /** The names of the VMs that run on a host or use a network. */
  Set<String> users(netfence.store.Kind kind, String name) {
    return switch (kind) {
      case HOSTS -> byHost.getOrDefault(name, Set.of());
      case NETWORKS -> byNetwork.getOrDefault(name, Set.of());
      case VMS -> Set.of();
    };
  }

  /** Replaces VM {@code before} by {@code after} in everything but the claims. */
  void track(Optional<Vm> before, Optional<Vm> after) {
    before.ifPresent(v -> {
      vms.remove(v.name());
      // Another VM may hold the same index only in an invalid state; the claims decide, this is the allocator's view.
      if (after.map(a -> a.index() != v.index()).orElse(true)) indexes.clear(v.index());
      remove(byHost, v.host(), v.name());
      v.interfaces().forEach(i -> remove(byNetwork, i.network(), v.name()));
      ipv4(v, false);
    });
    after.ifPresent(v -> {
      vms.put(v.name(), v);
      indexes.set(v.index());
      byHost.computeIfAbsent(v.host(), k -> new HashSet<>()).add(v.name());
      v.interfaces().forEach(i -> byNetwork.computeIfAbsent(i.network(), k -> new HashSet<>()).add(v.name()));
      ipv4(v, true);
    });
  }

  private static void remove(Map<String, Set<String>> m, String key, String vm) {
    var s = m.get(key);
    if (s == null) return;
    s.remove(vm);
    if (s.isEmpty()) m.remove(key);
  }

  /** Marks (or clears) a VM's IPv4 addresses and routed prefixes in the hints of the bridged networks they fall in. */
  private void ipv4(Vm v, boolean taken) {
    for (var i : v.interfaces()) {
      for (IPAddress a : i.ipv4Addresses()) mark(a, a, taken);
      for (IPAddress p : i.routedPrefixes()) if (p.isIPv4()) mark(p.toPrefixBlock().getLower(), p.toPrefixBlock().getUpper(), taken);
    }
  }

  private void mark(IPAddress low, IPAddress high, boolean taken) {
    for (Network n : networks.values()) {
      if (!(n instanceof BridgedNetwork b) || b.ipv4().isEmpty()) continue;
      IPAddress block = b.ipv4().get().toPrefixBlock();
      long base = block.getLower().toIPv4().longValue();
      long top = block.getUpper().toIPv4().longValue();
      long from = Math.max(base, low.toIPv4().longValue());
      long to = Math.min(top, high.toIPv4().longValue());
      if (from > to) continue;
      BitSet bits = ipv4Taken.computeIfAbsent(b.name(), k -> new BitSet());
      bits.set((int) (from - base), (int) (to - base) + 1, taken);
    }
  }

  /**
   * Chooses what a VM body leaves out, against this model; {@code old} is the VM it replaces,
   * whose claims are already released (so it may keep its addresses).
   */
  VmReader.Allocator allocator(Optional<Vm> old) {
    return new VmReader.Allocator() {
      @Override
      public int index(String vm) {
        // A replaced VM keeps its index (and so its default MAC and tap) unless another VM took it meanwhile.
        if (old.isPresent() && !claims.indexTaken(old.get().index(), vm)) return old.get().index();
        return indexes.nextClearBit(1);
      }

      @Override
      public Optional<IPAddress> ipv4(BridgedNetwork net, Set<IPAddress> alsoTaken) {
        IPAddress block = net.ipv4().orElseThrow().toPrefixBlock();
        long base = block.getLower().toIPv4().longValue();
        long top = block.getUpper().toIPv4().longValue();
        int len = block.getNetworkPrefixLength() == null ? 32 : block.getNetworkPrefixLength();
        if (len < 31) top--; // the broadcast address
        BitSet bits = ipv4Taken.computeIfAbsent(net.name(), k -> new BitSet());
        var gateways = new HashSet<BigInteger>();
        net.gateways().stream().filter(IPAddress::isIPv4).forEach(g -> gateways.add(g.getValue()));
        for (int off = bits.nextClearBit(1); base + off <= top; off = bits.nextClearBit(off + 1)) {
          IPAddress a = new inet.ipaddr.ipv4.IPv4Address((int) (base + off));
          if (alsoTaken.contains(a)) continue;
          if (gateways.contains(a.getValue()) || claims.addressTaken(a)) {
            bits.set(off); // known from now on, so the next allocation does not look again
            continue;
          }
          return Optional.of(a);
        }
        return Optional.empty();
      }
    };
  }
}
