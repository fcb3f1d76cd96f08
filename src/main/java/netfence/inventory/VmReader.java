package netfence.inventory;

import inet.ipaddr.IPAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import netfence.inventory.InventoryDecoder.Located;
import netfence.model.AddressPlan;
import netfence.model.BridgedNetwork;
import netfence.model.Host;
import netfence.model.Network;
import netfence.model.RoutedNetwork;
import netfence.model.Vm;

/**
 * Reads one VM on its own, as the state service gets it in a request: its
 * body (JSON or YAML), checked field by field against the hosts and networks
 * it names, with what it leaves out allocated, in time independent of how
 * many other VMs there are. Conflicts with other VMs are {@link Claims}'
 * business.
 *
 * <p>Allocation happens on the parsed tree: an index when there is none,
 * and per interface a tap, a MAC and (on a bridged network) the addresses.
 * Allocated values are placed at the position of the object they complete,
 * so a problem with them is reported at its opening brace, and every other
 * position is the client's own. The stored form is canonical JSON of the
 * completed tree (compact, keys in the client's order), whatever the body's
 * syntax or spacing was.
 *
 * <pre>{@code
 * var read = VmReader.read("request", "web", body, hosts, networks, allocator);
 * if (read.vm().isPresent()) {
 *   var conflicts = claims.add(read);   // empty when nothing clashes
 *   store(read.canonical());
 * }
 * }</pre>
 */
public final class VmReader {
  private VmReader() {}

  /** Chooses what a VM body leaves out. */
  public interface Allocator {
    /** An index for {@code vm}, which names none: its old one if it has one and that is free, else the lowest free. */
    int index(String vm);

    /**
     * The lowest free IPv4 host address of {@code network}'s prefix that is not in {@code alsoTaken}
     * (addresses the same request names or was given); empty when the prefix is full.
     */
    Optional<IPAddress> ipv4(BridgedNetwork network, Set<IPAddress> alsoTaken);
  }

  /** The outcome: the VM when it is valid on its own, every diagnostic, and its canonical JSON. */
  public static final class Read {
    private final Optional<Located> located;
    private final Optional<InventoryDecoder.IndexUse> index;
    private final List<Diagnostic> diagnostics;
    private final String canonical;

    Read(Optional<Located> located, Optional<InventoryDecoder.IndexUse> index, List<Diagnostic> diagnostics, String canonical) {
      this.located = located;
      this.index = index;
      this.diagnostics = diagnostics;
      this.canonical = canonical;
    }

    /** The index the body writes, where it could be read: checked for reuse even when the rest is wrong. */
    Optional<InventoryDecoder.IndexUse> index() {
      return index;
    }

    public Optional<Vm> vm() {
      return located.map(Located::vm);
    }

    /** Errors and warnings, in position order. */
    public List<Diagnostic> diagnostics() {
      return diagnostics;
    }

    /** The completed body as compact JSON; empty when the body did not parse. */
    public String canonical() {
      return canonical;
    }

    Located located() {
      return located.orElseThrow(() -> new IllegalStateException("the VM has errors: " + diagnostics));
    }
  }

  /**
   * Reads VM {@code name} from {@code body}; {@code source} names the body in diagnostics
   * ({@code request}). {@code hosts} and {@code networks} are the valid inventory's.
   */
  public static Read read(String source, String name, String body, Map<String, Host> hosts, Map<String, Network> networks,
      Allocator allocator) {
    var problems = new Problems();
    Optional<Node> root = Bodies.parse(source, body, problems);
    if (root.isEmpty() || problems.hasErrors()) return new Read(Optional.empty(), Optional.empty(), problems.sorted(), "");
    Node tree = allocate(root.get(), name, networks, allocator, problems);
    var decoder = new InventoryDecoder(problems);
    Optional<Located> v = decoder.vm(new Node.Scalar(new Pos(source, 1, 1), name, "str"), tree, hosts, networks);
    v.ifPresent(l -> nat(l, hosts, networks, problems));
    boolean ok = v.isPresent() && !problems.hasErrors();
    return new Read(ok ? v : Optional.empty(), decoder.indexUses().stream().findFirst(), problems.sorted(), Bodies.canonical(tree));
  }

  /** A routed network with NAT needs an uplink on the VM's host: the whole-file check says so once per network and host. */
  private static void nat(Located v, Map<String, Host> hosts, Map<String, Network> networks, Problems problems) {
    Host h = hosts.get(v.vm().host());
    for (var i : v.interfaces()) {
      if (networks.get(i.iface().network()) instanceof RoutedNetwork r && r.nat() && h != null && h.uplink().isEmpty()) {
        problems.error(i.networkPos(), CrossChecks.NAT_WITHOUT_UPLINK, r.name(), h.name(), v.vm().name());
      }
    }
  }

  // ---- allocation on the tree -------------------------------------------------------

  private static Node allocate(Node root, String name, Map<String, Network> networks, Allocator allocator, Problems problems) {
    if (!(root instanceof Node.Mapping vm)) return root;
    var entries = new ArrayList<>(vm.entries());
    Optional<Integer> index = Optional.empty();
    var idx = vm.get("index");
    if (idx.isEmpty()) {
      int chosen = allocator.index(name);
      entries.addFirst(entry(vm.pos(), "index", String.valueOf(chosen), "int"));
      index = Optional.of(chosen);
    } else if (idx.get().value() instanceof Node.Scalar s && s.type().equals("int")) {
      try {
        var v = InventoryDecoder.integer(s.value());
        if (v.signum() > 0 && v.compareTo(java.math.BigInteger.valueOf(AddressPlan.MAX_INDEX)) <= 0) index = Optional.of(v.intValueExact());
      } catch (NumberFormatException e) {
        // the decoder reports it
      }
    }
    var ifaces = vm.get("interfaces");
    if (ifaces.isPresent() && ifaces.get().value() instanceof Node.Sequence seq) {
      var taken = new HashSet<IPAddress>();
      for (Node item : seq.items()) {
        if (!(item instanceof Node.Mapping m) || !(m.get("addresses").map(Node.Entry::value).orElse(null) instanceof Node.Sequence as)) continue;
        for (Node a : as.items()) {
          if (a instanceof Node.Scalar s) {
            var ip = new inet.ipaddr.IPAddressString(s.value()).getAddress();
            if (ip != null && ip.isIPv4()) taken.add(ip);
          }
        }
      }
      var items = new ArrayList<Node>();
      for (int i = 0; i < seq.items().size(); i++) items.add(completeInterface(seq.items().get(i), i, index, networks, allocator, taken, problems));
      entries.replaceAll(e -> e.key().value().equals("interfaces") ? new Node.Entry(e.key(), new Node.Sequence(seq.pos(), items)) : e);
    }
    return new Node.Mapping(vm.pos(), entries);
  }

  private static Node completeInterface(Node item, int number, Optional<Integer> index, Map<String, Network> networks,
      Allocator allocator, Set<IPAddress> taken, Problems problems) {
    if (!(item instanceof Node.Mapping m)) return item;
    var entries = new ArrayList<>(m.entries());
    Pos at = m.pos();
    if (index.isPresent() && m.get("tap").isEmpty()) {
      // Every interface needs its own tap; the first keeps the documented default.
      entries.add(entry(at, "tap", AddressPlan.defaultTap(index.get()) + (number == 0 ? "" : "-" + number), "str"));
    }
    if (index.isPresent() && m.get("mac").isEmpty() && number <= AddressPlan.MAX_INTERFACE) {
      entries.add(entry(at, "mac", AddressPlan.text(AddressPlan.defaultMac(index.get(), number)), "str"));
    }
    var net = m.get("network").map(Node.Entry::value);
    if (m.get("addresses").isEmpty() && net.isPresent() && net.get() instanceof Node.Scalar n
        && networks.get(n.value()) instanceof BridgedNetwork b) {
      var addresses = new ArrayList<Node>();
      b.ipv4().ifPresent(p -> allocator.ipv4(b, taken).ifPresentOrElse(a -> {
        taken.add(a);
        addresses.add(new Node.Scalar(at, AddressPlan.text(a), "str"));
      }, () -> problems.error(at, "network '%s' has no free IPv4 address left in %s; give 'addresses' explicitly", b.name(),
          AddressPlan.text(p))));
      b.ipv6().filter(p -> Integer.valueOf(64).equals(p.getNetworkPrefixLength()))
          .ifPresent(p -> addresses.add(new Node.Scalar(at, "slaac", "str")));
      if (!addresses.isEmpty()) entries.add(new Node.Entry(new Node.Scalar(at, "addresses", "str"), new Node.Sequence(at, addresses)));
    }
    return new Node.Mapping(at, entries);
  }

  private static Node.Entry entry(Pos at, String key, String value, String type) {
    return new Node.Entry(new Node.Scalar(at, key, "str"), new Node.Scalar(at, value, type));
  }
}
