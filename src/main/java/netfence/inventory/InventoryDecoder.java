package netfence.inventory;

import inet.ipaddr.IPAddress;
import inet.ipaddr.mac.MACAddress;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import netfence.model.AddressPlan;
import netfence.model.BridgedNetwork;
import netfence.model.Host;
import netfence.model.HostService;
import netfence.model.Inventory;
import netfence.model.Network;
import netfence.model.RoutedNetwork;
import netfence.model.Vm;
import netfence.model.VmInterface;

/**
 * Turns a {@link Node} tree into an {@link Inventory}: field by field, with
 * every problem reported at its position, then the cross-object checks of
 * {@link CrossChecks}. Returns a model only when there is no error.
 */
final class InventoryDecoder {
  private static final Set<String> TOP = Set.of("hosts", "networks", "vms");
  private static final Set<String> HOST = Set.of("uplink", "trusted-interfaces");
  private static final Set<String> NETWORK = Set.of(
      "mode", "ipv4", "ipv6", "nat", "dns", "host-services", "bridge", "shared", "trusted-ports", "gateways");
  private static final Set<String> ROUTED_ONLY = Set.of("nat", "host-services");
  private static final Set<String> BRIDGED_ONLY = Set.of("bridge", "shared", "trusted-ports", "gateways");
  private static final Set<String> VM = Set.of("host", "index", "interfaces");
  private static final Set<String> INTERFACE = Set.of("network", "tap", "mac", "addresses", "routed-prefixes");

  private static final java.util.regex.Pattern SERVICE = java.util.regex.Pattern.compile("(tcp|udp)/([1-9][0-9]{0,4})");

  private final Problems problems;

  InventoryDecoder(Problems problems) {
    this.problems = problems;
  }

  /** Where each resolved interface came from, for the cross-object checks. */
  record Located(Vm vm, Pos vmPos, Pos indexPos, List<LocatedInterface> interfaces) {}

  /** A VM's index where it is written: checked for uniqueness even when the rest of the VM is broken. */
  record IndexUse(String vm, int index, Pos pos) {}

  private final List<IndexUse> indexes = new java.util.ArrayList<>();

  /** The indexes the VMs decoded so far write, even those of VMs with errors. */
  List<IndexUse> indexUses() {
    return indexes;
  }

  /** An interface with the positions of its tap, MAC and each address or prefix. */
  record LocatedInterface(VmInterface iface, int number, Pos networkPos, Pos tapPos, boolean defaultTap, Pos macPos, boolean defaultMac,
      List<Pos> addressPos, List<Pos> prefixPos) {}

  Optional<Inventory> decode(Node root) {
    Optional<Node.Mapping> top = Fields.mapping(root, "the inventory", problems);
    if (top.isEmpty()) return Optional.empty();
    var fields = new Fields(top.get(), "the inventory", problems, TOP);

    var hosts = new LinkedHashMap<String, Host>();
    var hostPos = new LinkedHashMap<String, Pos>();
    each(fields, "hosts", (name, node) -> host(name, node).ifPresent(h -> {
      hosts.put(h.name(), h);
      hostPos.put(h.name(), name.pos());
    }));

    var networks = new LinkedHashMap<String, Network>();
    var networkKeys = new LinkedHashMap<String, Map<String, Pos>>();
    each(fields, "networks", (name, node) -> network(name, node).ifPresent(n -> {
      networks.put(n.network().name(), n.network());
      networkKeys.put(n.network().name(), n.keys());
    }));

    var vms = new ArrayList<Located>();
    each(fields, "vms", (name, node) -> vm(name, node, hosts, networks).ifPresent(vms::add));

    new CrossChecks(problems, hosts, networks, networkKeys).check(vms, indexes);
    if (problems.hasErrors()) return Optional.empty();
    return Optional.of(new Inventory(List.copyOf(hosts.values()), List.copyOf(networks.values()),
        vms.stream().map(Located::vm).toList()));
  }

  private interface EntryHandler {
    void accept(Node.Scalar name, Node value);
  }

  private void each(Fields parent, String key, EntryHandler handler) {
    parent.entry(key).ifPresent(e -> Fields.mapping(e.value(), "'" + key + "'", problems).ifPresent(m -> {
      for (var entry : m.entries()) handler.accept(entry.key(), entry.value());
    }));
  }

  private Optional<Host> host(Node.Scalar name, Node node) {
    Names.checkObject(name, "host", problems);
    var m = Fields.mapping(node, "host '" + name.value() + "'", problems);
    if (m.isEmpty()) return Optional.empty();
    var f = new Fields(m.get(), "host '" + name.value() + "'", problems, HOST);
    Optional<String> uplink = f.string("uplink").filter(s -> Names.checkInterface(s, "uplink", problems)).map(Node.Scalar::value);
    var trusted = new ArrayList<String>();
    for (var t : f.strings("trusted-interfaces")) {
      if (Names.checkInterface(t, "trusted interface", problems)) trusted.add(t.value());
    }
    return Optional.of(new Host(name.value(), uplink, trusted));
  }

  record DecodedNetwork(Network network, Map<String, Pos> keys) {}

  private Optional<DecodedNetwork> network(Node.Scalar name, Node node) {
    Names.checkObject(name, "network", problems);
    String what = "network '" + name.value() + "'";
    var m = Fields.mapping(node, what, problems);
    if (m.isEmpty()) return Optional.empty();
    var f = new Fields(m.get(), what, problems, NETWORK);
    var keys = new LinkedHashMap<String, Pos>();
    m.get().entries().forEach(e -> keys.put(e.key().value(), e.key().pos()));

    Optional<Node.Scalar> mode = f.requiredString("mode");
    if (mode.isEmpty()) return Optional.empty();
    boolean routed = switch (mode.get().value()) {
      case "routed" -> true;
      case "bridged" -> false;
      default -> {
        problems.error(mode.get().pos(), "mode '%s' is unknown; expected routed or bridged", Names.printable(mode.get().value()));
        yield false;
      }
    };
    if (!mode.get().value().equals("routed") && !mode.get().value().equals("bridged")) return Optional.empty();
    for (var e : m.get().entries()) {
      String k = e.key().value();
      if (routed && BRIDGED_ONLY.contains(k)) problems.error(e.key().pos(), "'%s' applies to bridged networks only; %s is routed", k, what);
      if (!routed && ROUTED_ONLY.contains(k)) problems.error(e.key().pos(), "'%s' applies to routed networks only; %s is bridged", k, what);
    }

    Optional<IPAddress> ipv4 = family(f, "ipv4", true);
    Optional<IPAddress> ipv6 = family(f, "ipv6", false);
    List<IPAddress> dns = f.strings("dns").stream().flatMap(s -> Literals.address(s, problems).stream()).toList();

    if (routed) {
      if (!f.has("ipv4") && !f.has("ipv6")) {
        problems.error(m.get().pos(), "routed %s has neither ipv4 nor ipv6: its VMs would get no address", what);
      }
      boolean nat = f.bool("nat").orElse(false);
      if (nat && ipv4.isEmpty() && !f.has("ipv4")) {
        problems.error(keys.get("nat"), "nat masquerades IPv4, but %s has no ipv4 prefix", what);
      }
      var services = new ArrayList<HostService>();
      for (var s : f.strings("host-services")) service(s).ifPresent(services::add);
      return Optional.of(new DecodedNetwork(new RoutedNetwork(name.value(), ipv4, ipv6, nat, dns, services), keys));
    }

    Optional<Node.Scalar> bridge = f.string("bridge");
    if (!f.has("bridge")) problems.error(m.get().pos(), "bridged %s has no 'bridge': name the host bridge its VMs attach to", what);
    bridge.ifPresent(b -> Names.checkInterface(b, "bridge", problems));
    boolean shared = f.bool("shared").orElse(false);
    var trusted = new ArrayList<String>();
    for (var t : f.strings("trusted-ports")) {
      if (Names.checkInterface(t, "trusted port", problems)) trusted.add(t.value());
    }
    var gateways = new ArrayList<IPAddress>();
    for (var g : f.strings("gateways")) {
      Literals.address(g, problems).ifPresent(a -> {
        Optional<IPAddress> net = a.isIPv4() ? ipv4 : ipv6;
        if (gateways.stream().anyMatch(x -> x.isIPv4() == a.isIPv4())) {
          problems.error(g.pos(), "a second %s gateway; give at most one per address family", a.isIPv4() ? "IPv4" : "IPv6");
        } else if (!a.isLinkLocal() && net.isPresent() && !net.get().contains(a)) {
          problems.error(g.pos(), "gateway %s is outside %s (%s)", a.toCanonicalString(), what, net.get().toCanonicalString());
        } else if (!a.isLinkLocal() && net.isEmpty()) {
          problems.error(g.pos(), "gateway %s is %s, but %s has no %s prefix", a.toCanonicalString(), a.isIPv4() ? "IPv4" : "IPv6", what, a.isIPv4() ? "ipv4" : "ipv6");
        } else {
          gateways.add(a);
        }
      });
    }
    return Optional.of(new DecodedNetwork(
        new BridgedNetwork(name.value(), bridge.map(Node.Scalar::value).orElse(""), shared, ipv4, ipv6, trusted, gateways, dns), keys));
  }

  private Optional<IPAddress> family(Fields f, String key, boolean v4) {
    Optional<IPAddress> p = f.string(key).flatMap(s -> Literals.prefix(s, problems).flatMap(a -> {
      if (a.isIPv4() != v4) {
        problems.error(s.pos(), "'%s' must be an %s prefix, found %s", key, v4 ? "IPv4" : "IPv6", a.toCanonicalString());
        return Optional.empty();
      }
      if (!v4 && a.toIPv6().isSiteLocal()) {
        problems.warning(s.pos(), "%s is in the deprecated site-local range fec0::/10 (RFC 3879); prefer a unique local prefix in fd00::/8", a.toCanonicalString());
      }
      return Optional.of(a);
    }));
    return p;
  }

  private Optional<HostService> service(Node.Scalar s) {
    var m = SERVICE.matcher(s.value());
    if (m.matches()) {
      int port = Integer.parseInt(m.group(2));
      if (port >= 1 && port <= 65535) {
        return Optional.of(new HostService(HostService.Protocol.valueOf(m.group(1).toUpperCase(java.util.Locale.ROOT)), port));
      }
    }
    problems.error(s.pos(), "host service '%s' is invalid: expected tcp/PORT or udp/PORT with a port from 1 to 65535", Names.printable(s.value()));
    return Optional.empty();
  }

  Optional<Located> vm(Node.Scalar name, Node node, Map<String, Host> hosts, Map<String, Network> networks) {
    Names.checkObject(name, "VM", problems);
    String what = "VM '" + name.value() + "'";
    var m = Fields.mapping(node, what, problems);
    if (m.isEmpty()) return Optional.empty();
    var f = new Fields(m.get(), what, problems, VM);

    Optional<String> host = f.requiredString("host").flatMap(h -> {
      if (hosts.containsKey(h.value())) return Optional.of(h.value());
      problems.error(h.pos(), "%s runs on undefined host '%s'%s", what, Names.printable(h.value()), suggestion(h.value(), hosts.keySet()));
      return Optional.empty();
    });

    Optional<Integer> index = Optional.empty();
    Pos indexPos = m.get().pos();
    if (!f.has("index")) {
      problems.error(m.get().pos(), "%s has no 'index': every VM needs a unique positive index", what);
    } else {
      Node n = f.entry("index").get().value();
      indexPos = n.pos();
      index = f.scalar(n, "int", "'index'").flatMap(s -> {
        BigInteger v = integer(s.value());
        if (v.signum() <= 0) {
          problems.error(s.pos(), "index %s must be positive (1 or more)", s.value());
          return Optional.empty();
        }
        if (v.compareTo(BigInteger.valueOf(AddressPlan.MAX_INDEX)) > 0) {
          problems.error(s.pos(), "index %s is too large: at most %d (the default MAC has 24 bits for it)", s.value(), AddressPlan.MAX_INDEX);
          return Optional.empty();
        }
        return Optional.of(v.intValueExact());
      });
      Pos at = indexPos;
      index.ifPresent(i -> indexes.add(new IndexUse(name.value(), i, at)));
    }

    var interfaces = new ArrayList<LocatedInterface>();
    if (!f.has("interfaces")) {
      problems.error(m.get().pos(), "%s has no 'interfaces'", what);
    } else if (!(f.entry("interfaces").get().value() instanceof Node.Sequence seq)) {
      Node v = f.entry("interfaces").get().value();
      problems.error(v.pos(), "'interfaces' must be a list, found %s", v.kind());
    } else if (seq.items().isEmpty()) {
      problems.error(seq.pos(), "%s has an empty interface list", what);
    } else {
      for (int i = 0; i < seq.items().size(); i++) {
        var iface = vmInterface(what, i, seq.items().get(i), index, indexPos, networks);
        iface.ifPresent(interfaces::add);
      }
    }
    if (host.isEmpty() || index.isEmpty() || interfaces.size() != (f.entry("interfaces").map(e -> e.value() instanceof Node.Sequence s ? s.items().size() : -1).orElse(-1))) {
      return Optional.empty();
    }
    var vm = new Vm(name.value(), host.get(), index.get(), interfaces.stream().map(LocatedInterface::iface).toList());
    return Optional.of(new Located(vm, name.pos(), indexPos, List.copyOf(interfaces)));
  }

  /** The value of a YAML 1.2 core-schema integer: decimal with optional sign, {@code 0o} octal or {@code 0x} hex. */
  static BigInteger integer(String text) {
    if (text.startsWith("0o")) return new BigInteger(text.substring(2), 8);
    if (text.startsWith("0x")) return new BigInteger(text.substring(2), 16);
    return new BigInteger(text);
  }

  private Optional<LocatedInterface> vmInterface(String vmWhat, int number, Node node, Optional<Integer> index,
      Pos indexPos, Map<String, Network> networks) {
    String what = "interface " + number + " of " + vmWhat;
    var m = Fields.mapping(node, what, problems);
    if (m.isEmpty()) return Optional.empty();
    var f = new Fields(m.get(), what, problems, INTERFACE);

    Optional<Network> network = f.requiredString("network").flatMap(n -> {
      Network net = networks.get(n.value());
      if (net == null) {
        problems.error(n.pos(), "%s is on undefined network '%s'%s", what, Names.printable(n.value()), suggestion(n.value(), networks.keySet()));
      }
      return Optional.ofNullable(net);
    });

    Optional<Node.Scalar> tapNode = f.string("tap");
    boolean tapOk = tapNode.map(t -> Names.checkInterface(t, "tap", problems)).orElse(true);
    Optional<Node.Scalar> macNode = f.string("mac");
    Optional<MACAddress> mac = macNode.flatMap(s -> Literals.mac(s, problems));
    boolean macOk = macNode.isEmpty() || mac.isPresent();
    if (macNode.isEmpty() && number > AddressPlan.MAX_INTERFACE) {
      problems.error(m.get().pos(), "%s needs an explicit 'mac': default MACs exist for interfaces 0 to %d only", what, AddressPlan.MAX_INTERFACE);
      macOk = false;
    }

    var addresses = new ArrayList<IPAddress>();
    var addressPos = new ArrayList<Pos>();
    Optional<Pos> slaacAt = Optional.empty();
    boolean addressesOk = true;
    for (var s : f.strings("addresses")) {
      if (s.value().equals("slaac")) {
        if (slaacAt.isPresent()) problems.error(s.pos(), "'slaac' is listed twice");
        slaacAt = Optional.of(s.pos());
        continue;
      }
      var a = Literals.address(s, problems);
      if (a.isEmpty()) {
        addressesOk = false;
        continue;
      }
      addresses.add(a.get());
      addressPos.add(s.pos());
    }
    var prefixes = new ArrayList<IPAddress>();
    var prefixPos = new ArrayList<Pos>();
    for (var s : f.strings("routed-prefixes")) {
      var p = Literals.prefix(s, problems);
      if (p.isEmpty()) {
        addressesOk = false;
        continue;
      }
      prefixes.add(p.get());
      prefixPos.add(s.pos());
    }
    if (network.isEmpty() || index.isEmpty() || !tapOk || !macOk || !addressesOk) return Optional.empty();

    int idx = index.get();
    MACAddress theMac = mac.orElseGet(() -> AddressPlan.defaultMac(idx, number));
    Pos macPos = macNode.map(Node.Scalar::pos).orElse(m.get().pos());
    String tap = tapNode.map(Node.Scalar::value).orElse(AddressPlan.defaultTap(idx));
    Pos tapPos = tapNode.map(Node.Scalar::pos).orElse(m.get().pos());
    boolean ok = true;

    switch (network.get()) {
      case RoutedNetwork r -> {
        if (!addresses.isEmpty() || slaacAt.isPresent()) {
          problems.error(f.entry("addresses").get().key().pos(),
              "%s is on routed network '%s', whose addresses come from the VM's index; remove 'addresses'", what, r.name());
          ok = false;
        }
        for (IPAddress prefix : List.of(r.ipv4(), r.ipv6()).stream().flatMap(Optional::stream).toList()) {
          var a = AddressPlan.nth(prefix, idx);
          if (a.isEmpty()) {
            problems.error(indexPos, "index %d does not fit routed network '%s': %s has room for indexes 1 to %s",
                idx, r.name(), prefix.toCanonicalString(), AddressPlan.maxIndex(prefix));
            ok = false;
          } else {
            addresses.add(a.get());
            addressPos.add(m.get().pos());
          }
        }
      }
      case BridgedNetwork b -> {
        for (int i = 0; i < addresses.size(); i++) {
          IPAddress a = addresses.get(i);
          Optional<IPAddress> net = a.isIPv4() ? b.ipv4() : b.ipv6();
          if (net.isEmpty()) {
            problems.error(addressPos.get(i), "address %s is %s, but network '%s' has no %s prefix", a.toCanonicalString(),
                a.isIPv4() ? "IPv4" : "IPv6", b.name(), a.isIPv4() ? "ipv4" : "ipv6");
            ok = false;
          } else if (!net.get().contains(a)) {
            problems.error(addressPos.get(i), "address %s is outside network '%s' (%s)", a.toCanonicalString(), b.name(), net.get().toCanonicalString());
            ok = false;
          }
        }
        if (slaacAt.isPresent()) {
          if (b.ipv6().isEmpty()) {
            problems.error(slaacAt.get(), "'slaac' needs an IPv6 /64, but network '%s' has no ipv6 prefix", b.name());
            ok = false;
          } else if (b.ipv6().get().getNetworkPrefixLength() != 64) {
            problems.error(slaacAt.get(), "'slaac' needs an IPv6 /64, but network '%s' has %s", b.name(), b.ipv6().get().toCanonicalString());
            ok = false;
          } else {
            addresses.add(AddressPlan.slaac(b.ipv6().get(), theMac));
            addressPos.add(slaacAt.get());
          }
        }
      }
    }
    if (!ok) return Optional.empty();
    var iface = new VmInterface(network.get().name(), tap, theMac, addresses, prefixes, slaacAt.isPresent());
    return Optional.of(new LocatedInterface(iface, number, f.entry("network").map(e -> e.value().pos()).orElse(m.get().pos()), tapPos, tapNode.isEmpty(), macPos, macNode.isEmpty(),
        List.copyOf(addressPos), List.copyOf(prefixPos)));
  }

  static String suggestion(String word, Set<String> known) {
    if (known.isEmpty()) return "";
    return Fields.closest(word, known).map(s -> "; did you mean '" + s + "'?")
        .orElse("; defined: " + String.join(", ", known.stream().sorted().toList()));
  }
}
