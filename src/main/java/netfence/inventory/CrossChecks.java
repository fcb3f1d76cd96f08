package netfence.inventory;

import inet.ipaddr.IPAddress;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import netfence.inventory.InventoryDecoder.Located;
import netfence.inventory.InventoryDecoder.LocatedInterface;
import netfence.model.AddressPlan;
import netfence.model.BridgedNetwork;
import netfence.model.Host;
import netfence.model.Network;
import netfence.model.RoutedNetwork;

/**
 * Checks that span objects: unique indexes, MACs, taps per host, addresses,
 * and no overlap between one VM's addresses or routed prefixes and another's.
 * Every check is a hash lookup or a sort, so 100,000 VMs check in well under
 * a second.
 */
final class CrossChecks {
  private final Problems problems;
  private final Map<String, Host> hosts;
  private final Map<String, Network> networks;
  private final Map<String, Map<String, Pos>> networkKeys;

  CrossChecks(Problems problems, Map<String, Host> hosts, Map<String, Network> networks, Map<String, Map<String, Pos>> networkKeys) {
    this.problems = problems;
    this.hosts = hosts;
    this.networks = networks;
    this.networkKeys = networkKeys;
  }

  /** Something a VM interface owns, for uniqueness messages. */
  private record Owner(String vm, int number, Pos pos) {
    /** An owner that is not a VM interface (number -1): {@code vm} is then the whole label. */
    static Owner other(String label, Pos pos) {
      return new Owner(label, -1, pos);
    }

    String describe() {
      if (number < 0) return vm + " (line " + pos.line() + ")";
      return "VM '" + vm + "' (interface " + number + ", line " + pos.line() + ")";
    }
  }

  /** {@code indexes} holds every VM whose index parsed, even one whose other fields did not. */
  void check(List<Located> vms, List<InventoryDecoder.IndexUse> indexes) {
    Set<String> reusedIndex = indexes(indexes);
    macs(vms, reusedIndex);
    taps(vms, reusedIndex);
    addresses(vms, reusedIndex);
    nat(vms);
  }

  /**
   * Reports reused indexes; returns the VMs that reuse one. Their derived
   * MAC, tap and routed addresses collide as a consequence, so those
   * collisions are not reported again: one mistake, one error.
   */
  private Set<String> indexes(List<InventoryDecoder.IndexUse> uses) {
    var seen = new HashMap<Integer, InventoryDecoder.IndexUse>();
    var reused = new HashSet<String>();
    for (var v : uses) {
      var first = seen.putIfAbsent(v.index(), v);
      if (first != null) {
        reused.add(v.vm());
        problems.error(v.pos(), "index %d is already used by VM '%s' (line %d); indexes must be unique across the inventory",
            v.index(), first.vm(), first.pos().line());
      }
    }
    return reused;
  }

  private void macs(List<Located> vms, Set<String> reusedIndex) {
    var seen = new HashMap<String, Owner>();
    for (var v : vms) {
      for (var i : v.interfaces()) {
        String mac = AddressPlan.text(i.iface().mac());
        var first = seen.putIfAbsent(mac, new Owner(v.vm().name(), i.number(), i.macPos()));
        if (first != null && !(i.defaultMac() && reusedIndex.contains(v.vm().name()))) {
          problems.error(i.macPos(), "MAC %s%s is already used by %s", mac, i.defaultMac() ? " (derived from index " + v.vm().index() + ")" : "",
              first.describe());
        }
      }
    }
  }

  private void taps(List<Located> vms, Set<String> reusedIndex) {
    // Per host: every interface name netfence will manage or filter on.
    var names = new HashMap<String, Map<String, String>>();
    for (var h : hosts.values()) {
      var mine = names.computeIfAbsent(h.name(), k -> new HashMap<>());
      h.uplink().ifPresent(u -> mine.put(u, "its uplink"));
      for (String t : h.trustedInterfaces()) mine.putIfAbsent(t, "its trusted interface");
    }
    var bridgesByHost = new HashMap<String, List<BridgedNetwork>>();
    for (var v : vms) {
      for (var i : v.interfaces()) {
        if (networks.get(i.iface().network()) instanceof BridgedNetwork b) {
          var list = bridgesByHost.computeIfAbsent(v.vm().host(), k -> new ArrayList<>());
          if (!list.contains(b)) list.add(b);
        }
      }
    }
    bridgesByHost.forEach((host, bridges) -> {
      var mine = names.computeIfAbsent(host, k -> new HashMap<>());
      for (var b : bridges) {
        String label = "the bridge of network '" + b.name() + "'";
        String prev = mine.putIfAbsent(b.bridge(), label);
        if (prev != null && !prev.equals(label)) {
          problems.error(networkKeys.get(b.name()).get("bridge"), "bridge '%s' of network '%s' on host '%s' is already %s",
              b.bridge(), b.name(), host, prev);
        }
        for (var t : b.trustedPorts()) {
          String trusted = "a trusted port of network '" + b.name() + "'";
          String before = mine.putIfAbsent(t, trusted);
          // A physical uplink enslaved to the bridge is a trusted port too (libvirt hosts do this).
          if (before != null && !before.equals(trusted) && !before.equals("its uplink")) {
            problems.error(networkKeys.get(b.name()).get("trusted-ports"), "trusted port '%s' of network '%s' on host '%s' is already %s",
                t, b.name(), host, before);
          }
        }
      }
    });
    for (var v : vms) {
      var mine = names.computeIfAbsent(v.vm().host(), k -> new HashMap<>());
      for (var i : v.interfaces()) {
        String tap = i.iface().tap();
        String owner = "the tap of VM '" + v.vm().name() + "' (interface " + i.number() + ", line " + i.tapPos().line() + ")";
        String first = mine.putIfAbsent(tap, owner);
        if (first != null && !(i.defaultTap() && reusedIndex.contains(v.vm().name()))) {
          problems.error(i.tapPos(), "tap '%s'%s on host '%s' is already %s%s", tap,
              i.defaultTap() ? " (the default for index " + v.vm().index() + ")" : "", v.vm().host(), first,
              i.defaultTap() ? "; give this interface its own 'tap'" : "");
        }
      }
    }
  }

  /** An address or prefix as an interval of one family, with its owner. */
  private record Claim(boolean v4, BigInteger low, BigInteger high, IPAddress what, Owner owner) {}

  private void addresses(List<Located> vms, Set<String> reusedIndex) {
    var exact = new HashMap<IPAddress, Owner>();
    var claims = new ArrayList<Claim>();
    // The host's own address on every tap of a routed network belongs to no VM.
    for (var n : networks.values()) {
      if (n instanceof RoutedNetwork r) {
        r.hostIpv4().ifPresent(a -> exact.put(a, Owner.other("the host's address on routed network '" + r.name() + "'", networkKeys.get(r.name()).get("ipv4"))));
        r.hostIpv6().ifPresent(a -> exact.put(a, Owner.other("the host's address on routed network '" + r.name() + "'", networkKeys.get(r.name()).get("ipv6"))));
      }
    }
    for (var v : vms) {
      for (LocatedInterface i : v.interfaces()) {
        var addrs = i.iface().addresses();
        // On a routed network every address is derived from the index.
        boolean derived = networks.get(i.iface().network()) instanceof RoutedNetwork;
        for (int k = 0; k < addrs.size(); k++) {
          IPAddress a = addrs.get(k);
          var owner = new Owner(v.vm().name(), i.number(), i.addressPos().get(k));
          var first = exact.putIfAbsent(a, owner);
          if (first != null) {
            if (!(derived && reusedIndex.contains(v.vm().name()))) {
              problems.error(owner.pos(), "address %s is already used by %s", a.toCanonicalString(), first.describe());
            }
            continue;
          }
          claims.add(claim(a, owner));
        }
        var prefixes = i.iface().routedPrefixes();
        for (int k = 0; k < prefixes.size(); k++) {
          IPAddress p = prefixes.get(k);
          if (derived && addrs.stream().noneMatch(a -> a.isIPv4() == p.isIPv4())) {
            // The host routes the prefix via the VM's address of the same family; there is none.
            problems.error(i.prefixPos().get(k), "routed prefix %s is %s, but routed network '%s' gives VM '%s' no %s address to route it via",
                p.toCanonicalString(), p.isIPv4() ? "IPv4" : "IPv6", i.iface().network(), v.vm().name(), p.isIPv4() ? "IPv4" : "IPv6");
          }
          claims.add(claim(p, new Owner(v.vm().name(), i.number(), i.prefixPos().get(k))));
        }
      }
    }
    // Sweep over intervals sorted by start: a claim that starts before the widest one so far
    // ends overlaps it. Overlaps within one VM are its own business.
    claims.sort(Comparator.comparing(Claim::v4).thenComparing(Claim::low).thenComparing(Claim::high, Comparator.reverseOrder()));
    Claim widest = null;
    for (var c : claims) {
      if (widest != null && widest.v4() == c.v4() && c.low().compareTo(widest.high()) <= 0) {
        if (!widest.owner().vm().equals(c.owner().vm())) {
          // Sorted so that a prefix comes before the addresses inside it: widest is always a prefix here.
          problems.error(c.owner().pos(), "%s %s %s routed prefix %s of %s", isPrefix(c.what()) ? "routed prefix" : "address",
              c.what().toCanonicalString(), isPrefix(c.what()) ? "overlaps" : "is inside", widest.what().toCanonicalString(),
              widest.owner().describe());
        }
        if (c.high().compareTo(widest.high()) > 0) widest = c;
      } else {
        widest = c;
      }
    }
  }

  private static boolean isPrefix(IPAddress a) {
    return a.getNetworkPrefixLength() != null;
  }

  private static Claim claim(IPAddress a, Owner owner) {
    IPAddress block = a.getNetworkPrefixLength() == null ? a : a.toPrefixBlock();
    return new Claim(a.isIPv4(), block.getLower().getValue(), block.getUpper().getValue(), a, owner);
  }

  private void nat(List<Located> vms) {
    var reported = new HashMap<String, Boolean>();
    for (var v : vms) {
      for (var i : v.interfaces()) {
        if (networks.get(i.iface().network()) instanceof RoutedNetwork r && r.nat()) {
          Host h = hosts.get(v.vm().host());
          if (h != null && h.uplink().isEmpty() && reported.putIfAbsent(r.name() + "@" + h.name(), true) == null) {
            problems.error(networkKeys.get(r.name()).get("nat"),
                "network '%s' has nat: true, but host '%s' (which runs VM '%s' on it) has no uplink to masquerade out of",
                r.name(), h.name(), v.vm().name());
          }
        }
      }
    }
  }
}
