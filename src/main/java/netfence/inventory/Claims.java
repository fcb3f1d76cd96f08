package netfence.inventory;

import inet.ipaddr.IPAddress;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import netfence.inventory.InventoryDecoder.Located;
import netfence.inventory.InventoryDecoder.LocatedInterface;
import netfence.model.AddressPlan;
import netfence.model.BridgedNetwork;
import netfence.model.Host;
import netfence.model.Network;
import netfence.model.RoutedNetwork;
import netfence.model.Vm;
import netfence.model.Inventory;

/**
 * What the VMs of an inventory claim, so that no two own the same thing:
 * indexes, MACs, interface names per host (taps, and the bridges and trusted
 * ports a host gets once a VM of a bridged network runs there), addresses,
 * and routed prefixes that must not overlap another VM's. One VM is
 * {@linkplain #add added} (every conflict reported at its position) or
 * {@linkplain #remove removed} in time independent of how many VMs are
 * claimed: hash lookups, and ordered maps for the overlap questions.
 *
 * <p>{@code check} adds the VMs of a file in document order, so a conflict is
 * reported at the later of the two; the state service keeps one instance for
 * the whole desired state and adds a requested VM to it.
 *
 * <pre>{@code
 * var claims = Claims.of(hosts, networks);
 * List<Diagnostic> errors = claims.add(read);   // nothing is claimed when there is an error
 * claims.remove("web");
 * }</pre>
 */
public final class Claims {
  private final Map<String, Host> hosts;
  private final Map<String, Network> networks;
  /** Where a network's keys are, for conflicts a network brings to a host; empty positions in the service. */
  private final Map<String, Map<String, Pos>> networkKeys;

  private final Map<Integer, Owner> indexes = new HashMap<>();
  private final Map<String, Owner> macs = new HashMap<>();
  /** Per host: interface name to what it is ("the tap of VM 'a' (...)", "its uplink", ...). */
  private final Map<String, Map<String, String>> names = new HashMap<>();
  /** Per host and bridged network: how many VM interfaces hold its bridge and trusted ports there. */
  private final Map<String, Integer> bridgeUsers = new HashMap<>();
  private final Family v4 = new Family();
  private final Family v6 = new Family();
  /** What each VM claimed, to release it. */
  private final Map<String, Held> held = new HashMap<>();

  /** Something a VM interface owns (or, with number -1, a label such as the host's address). */
  record Owner(String vm, int number, Pos pos) {
    static Owner other(String label, Pos pos) {
      return new Owner(label, -1, pos);
    }

    String describe() {
      if (number < 0) return vm + " (line " + pos.line() + ")";
      return "VM '" + vm + "' (interface " + number + ", line " + pos.line() + ")";
    }
  }

  /** Exact addresses and the widest routed prefixes of each VM, of one address family, by their first address. */
  private static final class Family {
    final NavigableMap<BigInteger, Exact> exact = new TreeMap<>();
    final NavigableMap<BigInteger, Prefix> prefixes = new TreeMap<>();
  }

  private record Prefix(BigInteger high, IPAddress what, Owner owner) {}

  private record Exact(IPAddress what, Owner owner) {}

  /** What one VM holds; released by {@link #remove}. */
  private record Held(int index, List<String> macs, String host, List<String> taps, List<String> bridges,
      List<BigInteger> v4, List<BigInteger> v6, List<BigInteger> v4Prefixes, List<BigInteger> v6Prefixes) {}

  private Claims(Map<String, Host> hosts, Map<String, Network> networks, Map<String, Map<String, Pos>> networkKeys) {
    this.hosts = hosts;
    this.networks = networks;
    this.networkKeys = networkKeys;
    for (var h : hosts.values()) {
      var mine = names.computeIfAbsent(h.name(), k -> new HashMap<>());
      h.uplink().ifPresent(u -> mine.put(u, "its uplink"));
      for (String t : h.trustedInterfaces()) mine.putIfAbsent(t, "its trusted interface");
    }
    // The host's own address on every tap of a routed network belongs to no VM.
    for (var n : networks.values()) {
      if (n instanceof RoutedNetwork r) {
        var keys = networkKeys.getOrDefault(r.name(), Map.of());
        Pos at4 = keys.getOrDefault("ipv4", new Pos("store:networks/" + r.name(), 1, 1));
        Pos at6 = keys.getOrDefault("ipv6", new Pos("store:networks/" + r.name(), 1, 1));
        String label = "the host's address on routed network '" + r.name() + "'";
        r.hostIpv4().ifPresent(a -> v4.exact.put(a.getValue(), new Exact(a, Owner.other(label, at4))));
        r.hostIpv6().ifPresent(a -> v6.exact.put(a.getValue(), new Exact(a, Owner.other(label, at6))));
      }
    }
  }

  /** Empty claims over a valid inventory's hosts and networks (the state service's: no positions for networks). */
  public static Claims of(Map<String, Host> hosts, Map<String, Network> networks) {
    return new Claims(hosts, networks, Map.of());
  }

  /**
   * The claims of a valid inventory's VMs, as the state service holds them: positions are
   * {@code store:vms/NAME:1:1}, because a stored body is one line of JSON.
   *
   * @throws IllegalArgumentException when the inventory's VMs conflict (it was not validated)
   */
  public static Claims of(Inventory inv) {
    var hosts = new java.util.LinkedHashMap<String, Host>();
    inv.hosts().forEach(h -> hosts.put(h.name(), h));
    var networks = new java.util.LinkedHashMap<String, Network>();
    inv.networks().forEach(n -> networks.put(n.name(), n));
    var claims = new Claims(hosts, networks, Map.of());
    for (Vm vm : inv.vms()) claims.addStored(vm);
    return claims;
  }

  /** A stored VM as the checks see it: every position at the start of its one-line body. */
  static Located stored(Vm vm) {
    Pos at = new Pos("store:vms/" + vm.name(), 1, 1);
    var interfaces = new ArrayList<LocatedInterface>();
    for (int i = 0; i < vm.interfaces().size(); i++) {
      var iface = vm.interfaces().get(i);
      interfaces.add(new LocatedInterface(iface, i, at, at, false, at, false, java.util.Collections.nCopies(iface.addresses().size(), at),
          java.util.Collections.nCopies(iface.routedPrefixes().size(), at)));
    }
    return new Located(vm, at, at, interfaces);
  }

  static Claims of(Map<String, Host> hosts, Map<String, Network> networks, Map<String, Map<String, Pos>> networkKeys) {
    return new Claims(hosts, networks, networkKeys);
  }

  /** Whether a VM of that name holds claims. */
  public boolean holds(String vm) {
    return held.containsKey(vm);
  }

  /** The number of VMs holding claims. */
  public int size() {
    return held.size();
  }

  /** Whether {@code index} is taken by a VM other than {@code except}. */
  public boolean indexTaken(int index, String except) {
    Owner o = indexes.get(index);
    return o != null && !o.vm().equals(except);
  }

  /** The VM owning an exact address, if any VM does. */
  public Optional<String> addressOwner(IPAddress a) {
    return Optional.ofNullable((a.isIPv4() ? v4 : v6).exact.get(a.getValue())).map(Exact::owner).filter(o -> o.number() >= 0).map(Owner::vm);
  }

  /** Whether an IPv4 or IPv6 address is taken: some VM's, the host's, or inside a VM's routed prefix. */
  public boolean addressTaken(IPAddress a) {
    Family f = a.isIPv4() ? v4 : v6;
    BigInteger x = a.getValue();
    if (f.exact.containsKey(x)) return true;
    var p = f.prefixes.floorEntry(x);
    return p != null && p.getValue().high().compareTo(x) >= 0;
  }

  /**
   * A VM of the valid state (as {@link #of(Inventory)} adds them), e.g. put back after a
   * replacement was refused.
   *
   * @throws IllegalArgumentException when it conflicts with what is claimed
   */
  public void addStored(Vm vm) {
    var problems = new Problems();
    add(stored(vm), problems, false);
    if (problems.hasErrors()) throw new IllegalArgumentException("VM '" + vm.name() + "' conflicts: " + problems.sorted());
  }

  /**
   * A VM that did not read cleanly is not claimed, but a reuse of another VM's index is still
   * reported, as the whole-file check does: one request, every problem.
   */
  public List<Diagnostic> indexConflict(VmReader.Read vm) {
    var problems = new Problems();
    vm.index().ifPresent(use -> {
      Owner first = indexes.get(use.index());
      if (first != null && !first.vm().equals(use.vm())) {
        problems.error(use.pos(), "index %d is already used by VM '%s' (line %d); indexes must be unique across the inventory",
            use.index(), first.vm(), first.pos().line());
      }
    });
    return problems.sorted();
  }

  /** A VM that a {@link VmReader} read: claims everything of it, or, on a conflict, nothing. */
  public List<Diagnostic> add(VmReader.Read vm) {
    var problems = new Problems();
    add(vm.located(), problems, false);
    return problems.sorted();
  }

  /**
   * Adds one VM; every conflict with what is claimed is reported. With {@code partial}
   * (the whole-file check, which goes on after errors to report them all) what does not
   * conflict is claimed even when something else does; otherwise nothing is claimed on error.
   */
  void add(Located v, Problems problems, boolean partial) {
    String name = v.vm().name();
    if (held.containsKey(name)) throw new IllegalStateException("VM '" + name + "' already holds claims; remove it first");
    var h = new Held(v.vm().index(), new ArrayList<>(), v.vm().host(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
        new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    var claim = new ArrayList<Runnable>();
    Owner first = indexes.get(v.vm().index());
    boolean reusedIndex = first != null;
    if (reusedIndex) {
      problems.error(v.indexPos(), "index %d is already used by VM '%s' (line %d); indexes must be unique across the inventory",
          v.vm().index(), first.vm(), first.pos().line());
    } else {
      claim.add(() -> indexes.put(v.vm().index(), new Owner(name, -1, v.indexPos())));
    }
    boolean ok = !reusedIndex;
    ok &= macs(v, reusedIndex, problems, h, claim);
    ok &= taps(v, reusedIndex, problems, h, claim);
    ok &= addresses(v, reusedIndex, problems, h, claim);
    if (ok || partial) {
      claim.forEach(Runnable::run);
      held.put(name, h);
    }
  }

  /** The whole-file check: a VM that did not decode still holds its index, so that a reuse is reported. */
  void indexOnly(InventoryDecoder.IndexUse use, Problems problems) {
    Owner first = indexes.putIfAbsent(use.index(), new Owner(use.vm(), -1, use.pos()));
    if (first != null) {
      problems.error(use.pos(), "index %d is already used by VM '%s' (line %d); indexes must be unique across the inventory",
          use.index(), first.vm(), first.pos().line());
    }
  }

  /**
   * The whole-file check: the bridges and trusted ports of every bridged network come to
   * each host that runs one of its VMs before any tap is claimed, so a tap named like a
   * bridge is reported at the tap, wherever it is in the file.
   */
  void bridgesFirst(List<Located> vms, Problems problems) {
    for (var v : vms) {
      String host = v.vm().host();
      var mine = names.computeIfAbsent(host, k -> new HashMap<>());
      for (var i : v.interfaces()) {
        if (networks.get(i.iface().network()) instanceof BridgedNetwork b && !bridgeUsers.containsKey(host + "/" + b.name())) {
          var added = new HashMap<String, String>();
          bridgeArrives(b, host, i, mine, added, problems);
          mine.putAll(added);
          bridgeUsers.put(host + "/" + b.name(), 0);
        }
      }
    }
  }

  /** Releases everything VM {@code vm} holds; nothing when it holds nothing. */
  public void remove(String vm) {
    Held h = held.remove(vm);
    if (h == null) return;
    Owner o = indexes.get(h.index());
    if (o != null && o.vm().equals(vm)) indexes.remove(h.index());
    for (String m : h.macs()) macs.remove(m);
    var mine = names.get(h.host());
    for (String t : h.taps()) mine.remove(t);
    for (String b : h.bridges()) {
      String key = h.host() + "/" + b;
      Integer left = bridgeUsers.merge(key, -1, Integer::sum);
      if (left != null && left <= 0) {
        bridgeUsers.remove(key);
        if (networks.get(b) instanceof BridgedNetwork net) {
          mine.remove(net.bridge(), bridgeLabel(net));
          for (String t : net.trustedPorts()) mine.remove(t, trustedLabel(net));
        }
      }
    }
    h.v4().forEach(v4.exact::remove);
    h.v6().forEach(v6.exact::remove);
    h.v4Prefixes().forEach(v4.prefixes::remove);
    h.v6Prefixes().forEach(v6.prefixes::remove);
  }

  // ---- the checks: each reports conflicts and queues the claims that are free -------

  private boolean macs(Located v, boolean reusedIndex, Problems problems, Held h, List<Runnable> claim) {
    boolean ok = true;
    var mine = new HashMap<String, Owner>();
    for (var i : v.interfaces()) {
      String mac = AddressPlan.text(i.iface().mac());
      var owner = new Owner(v.vm().name(), i.number(), i.macPos());
      Owner first = macs.get(mac);
      if (first == null) first = mine.putIfAbsent(mac, owner);
      if (first != null) {
        if (!(i.defaultMac() && reusedIndex)) {
          problems.error(i.macPos(), "MAC %s%s is already used by %s", mac, i.defaultMac() ? " (derived from index " + v.vm().index() + ")" : "",
              first.describe());
        }
        ok = false;
        continue;
      }
      h.macs().add(mac);
      claim.add(() -> macs.put(mac, owner));
    }
    return ok;
  }

  private boolean taps(Located v, boolean reusedIndex, Problems problems, Held h, List<Runnable> claim) {
    String host = v.vm().host();
    var mine = names.computeIfAbsent(host, k -> new HashMap<>());
    // What this VM adds on top of what is there.
    var added = new HashMap<String, String>();
    boolean ok = true;
    for (var i : v.interfaces()) {
      if (networks.get(i.iface().network()) instanceof BridgedNetwork b && !h.bridges().contains(b.name())) {
        h.bridges().add(b.name());
        if (!bridgeUsers.containsKey(host + "/" + b.name())) ok &= bridgeArrives(b, host, i, mine, added, problems);
      }
    }
    for (var i : v.interfaces()) {
      String tap = i.iface().tap();
      String owner = "the tap of VM '" + v.vm().name() + "' (interface " + i.number() + ", line " + i.tapPos().line() + ")";
      String first = mine.get(tap);
      if (first == null) first = added.putIfAbsent(tap, owner);
      if (first != null) {
        if (!(i.defaultTap() && reusedIndex)) {
          problems.error(i.tapPos(), "tap '%s'%s on host '%s' is already %s%s", tap,
              i.defaultTap() ? " (the default for index " + v.vm().index() + ")" : "", host, first,
              i.defaultTap() ? "; give this interface its own 'tap'" : "");
        }
        ok = false;
        continue;
      }
      h.taps().add(tap);
    }
    claim.add(() -> {
      mine.putAll(added);
      for (String b : h.bridges()) bridgeUsers.merge(host + "/" + b, 1, Integer::sum);
    });
    return ok;
  }

  /** A bridged network's first VM on a host brings its bridge and trusted ports there. */
  private boolean bridgeArrives(BridgedNetwork b, String host, LocatedInterface by, Map<String, String> mine, Map<String, String> added,
      Problems problems) {
    boolean ok = true;
    var keys = networkKeys.get(b.name());
    String label = bridgeLabel(b);
    String prev = mine.getOrDefault(b.bridge(), added.get(b.bridge()));
    if (prev != null && !prev.equals(label)) {
      problems.error(keys == null ? by.networkPos() : keys.get("bridge"), "bridge '%s' of network '%s' on host '%s' is already %s",
          b.bridge(), b.name(), host, prev);
      ok = false;
    } else {
      added.put(b.bridge(), label);
    }
    for (var t : b.trustedPorts()) {
      String trusted = trustedLabel(b);
      String before = mine.getOrDefault(t, added.get(t));
      // A physical uplink enslaved to the bridge is a trusted port too (libvirt hosts do this).
      if (before != null && !before.equals(trusted) && !before.equals("its uplink")) {
        problems.error(keys == null ? by.networkPos() : keys.get("trusted-ports"),
            "trusted port '%s' of network '%s' on host '%s' is already %s", t, b.name(), host, before);
        ok = false;
      } else if (before == null) {
        added.put(t, trusted);
      }
    }
    return ok;
  }

  private static String bridgeLabel(BridgedNetwork b) {
    return "the bridge of network '" + b.name() + "'";
  }

  private static String trustedLabel(BridgedNetwork b) {
    return "a trusted port of network '" + b.name() + "'";
  }

  private boolean addresses(Located v, boolean reusedIndex, Problems problems, Held h, List<Runnable> claim) {
    String vm = v.vm().name();
    boolean ok = true;
    // Within one VM exact duplicates are errors; its addresses inside its own prefixes are its business.
    var mineExact = new HashMap<IPAddress, Owner>();
    var minePrefixes = new ArrayList<IPAddress>();
    for (LocatedInterface i : v.interfaces()) {
      var addrs = i.iface().addresses();
      // On a routed network every address is derived from the index.
      boolean derived = networks.get(i.iface().network()) instanceof RoutedNetwork;
      for (int k = 0; k < addrs.size(); k++) {
        IPAddress a = addrs.get(k);
        var owner = new Owner(vm, i.number(), i.addressPos().get(k));
        Family f = a.isIPv4() ? v4 : v6;
        BigInteger x = a.getValue();
        Exact taken = f.exact.get(x);
        Owner first = taken != null ? taken.owner() : mineExact.putIfAbsent(a, owner);
        if (first != null) {
          if (!(derived && reusedIndex)) problems.error(owner.pos(), "address %s is already used by %s", a.toCanonicalString(), first.describe());
          ok = false;
          continue;
        }
        var around = f.prefixes.floorEntry(x);
        if (around != null && around.getValue().high().compareTo(x) >= 0 && !around.getValue().owner().vm().equals(vm)) {
          problems.error(owner.pos(), "address %s is inside routed prefix %s of %s", a.toCanonicalString(),
              around.getValue().what().toCanonicalString(), around.getValue().owner().describe());
          ok = false;
          continue;
        }
        (a.isIPv4() ? h.v4() : h.v6()).add(x);
        claim.add(() -> f.exact.put(x, new Exact(a, owner)));
      }
      var prefixes = i.iface().routedPrefixes();
      for (int k = 0; k < prefixes.size(); k++) {
        IPAddress p = prefixes.get(k);
        Pos at = i.prefixPos().get(k);
        if (derived && addrs.stream().noneMatch(a -> a.isIPv4() == p.isIPv4())) {
          // The host routes the prefix via the VM's address of the same family; there is none.
          problems.error(at, "routed prefix %s is %s, but routed network '%s' gives VM '%s' no %s address to route it via",
              p.toCanonicalString(), p.isIPv4() ? "IPv4" : "IPv6", i.iface().network(), vm, p.isIPv4() ? "IPv4" : "IPv6");
          ok = false;
        }
        ok &= prefix(p, new Owner(vm, i.number(), at), problems, h, minePrefixes, claim);
      }
    }
    return ok;
  }

  private boolean prefix(IPAddress p, Owner owner, Problems problems, Held h, List<IPAddress> minePrefixes, List<Runnable> claim) {
    Family f = p.isIPv4() ? v4 : v6;
    IPAddress block = p.toPrefixBlock();
    BigInteger low = block.getLower().getValue();
    BigInteger high = block.getUpper().getValue();
    var before = f.prefixes.floorEntry(low);
    if (before != null && before.getValue().high().compareTo(low) >= 0 && !before.getValue().owner().vm().equals(owner.vm())) {
      problems.error(owner.pos(), "routed prefix %s overlaps routed prefix %s of %s", p.toCanonicalString(),
          before.getValue().what().toCanonicalString(), before.getValue().owner().describe());
      return false;
    }
    for (var e : f.prefixes.subMap(low, true, high, true).values()) {
      if (!e.owner().vm().equals(owner.vm())) {
        problems.error(owner.pos(), "routed prefix %s overlaps routed prefix %s of %s", p.toCanonicalString(), e.what().toCanonicalString(),
            e.owner().describe());
        return false;
      }
    }
    // A prefix over another's address is still claimed when the whole file is checked, so the
    // addresses that come later inside it are reported too (without partial, nothing is claimed).
    boolean free = true;
    for (var e : f.exact.subMap(low, true, high, true).values()) {
      if (!e.owner().vm().equals(owner.vm())) {
        free = false;
        if (e.owner().number() < 0) {
          problems.error(owner.pos(), "routed prefix %s contains %s, %s", p.toCanonicalString(), e.what().toCanonicalString(),
              e.owner().describe());
        } else {
          problems.error(owner.pos(), "routed prefix %s contains address %s of %s", p.toCanonicalString(), e.what().toCanonicalString(),
              e.owner().describe());
        }
        break;
      }
    }
    // Only the widest of a VM's nested prefixes is kept, so the floor entry of an address is the prefix containing it, if any.
    for (IPAddress q : minePrefixes) {
      if (q.isIPv4() == p.isIPv4() && q.toPrefixBlock().contains(block)) return free;
    }
    minePrefixes.add(p);
    claim.add(() -> {
      // A narrower prefix of the same VM, claimed before this one, gives way to it.
      var inside = f.prefixes.subMap(low, true, high, true);
      for (var k : inside.keySet()) (p.isIPv4() ? h.v4Prefixes() : h.v6Prefixes()).remove(k);
      inside.clear();
      f.prefixes.put(low, new Prefix(high, p, owner));
      (p.isIPv4() ? h.v4Prefixes() : h.v6Prefixes()).add(low);
    });
    return free;
  }
}
