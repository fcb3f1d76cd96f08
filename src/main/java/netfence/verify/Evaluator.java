package netfence.verify;

import inet.ipaddr.IPAddress;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import netfence.policy.HostPolicy;
import netfence.nft.Family;
import netfence.nft.Field;
import netfence.nft.Nft;
import netfence.nft.NftText;
import netfence.nft.Values;

/**
 * Evaluates a {@link Case} against nftables tables offline, with nft's
 * semantics for what netfence emits: base chains of a hook by priority,
 * first match, jump/return, verdict maps, set lookups (prefix containment
 * in interval sets) and the protocol dependencies a field implies (`udp
 * sport` needs UDP, `ip saddr` needs an untagged IPv4 frame). Every verdict
 * names the rule that decided it.
 */
public final class Evaluator {
  /** The verdict for one case and the rule (or chain policy) that decided it. */
  public record Decision(boolean accepted, String decidedBy, Optional<String> counter) {}

  private final List<Nft.Table> tables;
  private final Map<String, String> bridgeOfPort = new HashMap<>();
  private final Map<Nft.Set, Set<List<Object>>> exact = new HashMap<>();

  public Evaluator(List<Nft.Table> tables, HostPolicy policy) {
    this.tables = List.copyOf(tables);
    for (int i = 0; i < policy.bridges().size(); i++) {
      var b = policy.bridges().get(i);
      b.ports().forEach(p -> bridgeOfPort.put(p.tap(), b.name()));
      b.network().trustedPorts().forEach(t -> bridgeOfPort.put(t, b.name()));
      bridgeOfPort.put(Cases.roguePort(i), b.name());
      bridgeOfPort.put(Cases.latePort(i), b.name());
    }
  }

  public Decision evaluate(Case c) {
    Packet p = c.packet();
    return switch (c.path()) {
      case BRIDGE -> {
        var d = hook(Family.BRIDGE, "prerouting", new Context(p, c.ingress(), ""));
        if (!d.accepted()) yield d;
        // Forwarded to the observer's port: the bridge forward hook sees both ports.
        var out = hook(Family.BRIDGE, "forward", new Context(p, c.ingress(), c.observer()));
        if (!out.accepted()) yield out;
        if (!p.isIp() || p.vlan().isPresent()) yield d;
        // br_netfilter: bridged IP also traverses the inet hooks, seen as coming from the bridge.
        String br = bridgeOfPort.getOrDefault(c.ingress(), c.ingress());
        var d2 = hook(ipFamily(p), "prerouting", new Context(p, br, ""));
        if (!d2.accepted()) yield d2;
        var d3 = hook(ipFamily(p), "forward", new Context(p, br, br));
        yield d3.accepted() ? d : d3;
      }
      case HOST -> {
        var d = hook(ipFamily(p), "prerouting", new Context(p, c.ingress(), ""));
        yield d.accepted() ? hook(ipFamily(p), "input", new Context(p, c.ingress(), "")) : d;
      }
      case FORWARD -> {
        var d = hook(ipFamily(p), "prerouting", new Context(p, c.ingress(), ""));
        if (!d.accepted()) yield d;
        var d2 = hook(ipFamily(p), "forward", new Context(p, c.ingress(), c.observer()));
        if (!d2.accepted()) yield d2;
        hook(ipFamily(p), "postrouting", new Context(p, c.ingress(), c.observer()));
        yield d;
      }
    };
  }

  private static Family ipFamily(Packet p) {
    return p.ethertype() == Packet.IPV4 ? Family.IP : Family.IP6;
  }

  /** The packet and where it is: input and output interface at this hook. */
  private record Context(Packet packet, String iif, String oif) {}

  /** The outcome of running a chain: a final verdict, or none (fell off the end or returned). */
  private record Outcome(Optional<Boolean> accept, String decidedBy, Optional<String> counter) {
    static Outcome none() {
      return new Outcome(Optional.empty(), "", Optional.empty());
    }
  }

  private Decision hook(Family family, String hook, Context ctx) {
    record Base(Nft.Table table, Nft.Chain chain) {}
    var bases = new ArrayList<Base>();
    for (var t : tables) {
      boolean applies = t.family() == family || (t.family() == Family.INET && (family == Family.IP || family == Family.IP6));
      if (!applies) continue;
      for (var ch : t.chains()) {
        if (ch.hook().isPresent() && ch.hook().get().hook().equals(hook)) bases.add(new Base(t, ch));
      }
    }
    bases.sort(Comparator.comparingInt(b -> b.chain().hook().get().priority()));
    Decision last = new Decision(true, "no netfence chain at " + family + " " + hook + ": accepted", Optional.empty());
    for (var b : bases) {
      Outcome o = run(b.table(), b.chain(), ctx, 0);
      if (o.accept().isPresent() && !o.accept().get()) {
        return new Decision(false, o.decidedBy(), o.counter());
      }
      last = o.accept().isPresent()
          ? new Decision(true, o.decidedBy(), o.counter())
          : new Decision(!b.chain().hook().get().policy().equals("drop"),
              where(b.table(), b.chain()) + ": policy " + b.chain().hook().get().policy(), Optional.empty());
      if (!last.accepted()) return last;
    }
    return last;
  }

  private Outcome run(Nft.Table table, Nft.Chain chain, Context ctx, int depth) {
    if (depth > 16) throw new IllegalStateException("jump depth exceeded at " + where(table, chain));
    var rules = chain.rules();
    for (int i = 0; i < rules.size(); i++) {
      var r = rules.get(i);
      if (!r.matches().stream().allMatch(m -> matches(table, m, ctx))) continue;
      String decided = where(table, chain) + " #" + (i + 1) + ": " + NftText.rule(r);
      if (r.verdict().isEmpty()) continue;
      Optional<Nft.Verdict> v = Optional.of(r.verdict().get());
      if (v.get() instanceof Nft.Vmap vm) {
        v = vmap(table, vm, ctx);
        if (v.isEmpty()) continue;
      }
      switch (v.get()) {
        case Nft.Accept a -> {
          return new Outcome(Optional.of(true), decided, r.counter());
        }
        case Nft.Drop d -> {
          return new Outcome(Optional.of(false), decided, r.counter());
        }
        case Nft.Masquerade m -> {
          return new Outcome(Optional.of(true), decided, r.counter());
        }
        case Nft.Return ret -> {
          return Outcome.none();
        }
        case Nft.Jump j -> {
          var target = table.chain(j.chain()).orElseThrow(() -> new IllegalStateException("jump to missing chain " + j.chain()));
          var o = run(table, target, ctx, depth + 1);
          if (o.accept().isPresent()) return o;
        }
        // Per-VM drop counters: counting does not decide anything.
        case Nft.Notrack n -> { }
        case Nft.CountIn c -> { }
        case Nft.Vmap nested -> throw new IllegalStateException("a verdict map yielding a verdict map");
      }
    }
    return Outcome.none();
  }

  private Optional<Nft.Verdict> vmap(Nft.Table table, Nft.Vmap vm, Context ctx) {
    var set = table.set(vm.map()).orElseThrow(() -> new IllegalStateException("vmap of missing map " + vm.map()));
    Optional<List<Object>> key = key(vm.key(), ctx);
    if (key.isEmpty()) return Optional.empty();
    for (var e : set.elements()) {
      if (elementMatches(set, e, key.get())) return e.verdict();
    }
    return Optional.empty();
  }

  private boolean matches(Nft.Table table, Nft.Match m, Context ctx) {
    return switch (m) {
      case Nft.Equals e -> {
        Optional<Object> v = value(e.field(), ctx);
        if (v.isEmpty()) yield false; // the field's protocol is not in the packet: no match, negated or not
        Object want = Values.canonical(e.field(), e.value());
        yield switch (e.op()) {
          case EQ -> equal(v.get(), want);
          case NE -> !equal(v.get(), want);
          case GE -> compare(v.get(), want) >= 0;
        };
      }
      case Nft.InSet s -> {
        Optional<Object> v = value(s.field(), ctx);
        if (v.isEmpty()) yield false;
        boolean in = s.values().stream().anyMatch(x -> equal(v.get(), Values.canonical(s.field(), x)));
        yield in != s.negated();
      }
      case Nft.InNamedSet s -> {
        var set = table.set(s.set()).orElseThrow(() -> new IllegalStateException("lookup in missing set " + s.set()));
        Optional<List<Object>> key = key(s.key(), ctx);
        if (key.isEmpty()) yield false;
        yield contains(set, key.get()) != s.negated();
      }
    };
  }

  private boolean contains(Nft.Set set, List<Object> key) {
    if (!set.interval()) {
      var index = exact.computeIfAbsent(set, s -> {
        var idx = new HashSet<List<Object>>();
        for (var e : s.elements()) idx.add(canonicalKey(s, e));
        return idx;
      });
      return index.contains(key);
    }
    return set.elements().stream().anyMatch(e -> elementMatches(set, e, key));
  }

  private static List<Object> canonicalKey(Nft.Set s, Nft.Element e) {
    var k = new ArrayList<Object>();
    for (int i = 0; i < e.key().size(); i++) k.add(Values.canonical(s.key().get(i), e.key().get(i)));
    return k;
  }

  private static boolean elementMatches(Nft.Set set, Nft.Element e, List<Object> key) {
    var k = canonicalKey(set, e);
    for (int i = 0; i < k.size(); i++) {
      if (!equal(key.get(i), k.get(i))) return false;
    }
    return true;
  }

  /** Equality, with prefix containment when the wanted value is a prefix. */
  private static boolean equal(Object have, Object want) {
    if (have instanceof IPAddress a && want instanceof IPAddress p) {
      return a.isIPv4() == p.isIPv4() && p.contains(a);
    }
    if (have instanceof Number a && want instanceof Number b) return new BigInteger(a.toString()).equals(new BigInteger(b.toString()));
    return have.equals(want);
  }

  private static int compare(Object have, Object want) {
    return new BigInteger(have.toString()).compareTo(new BigInteger(want.toString()));
  }

  private Optional<List<Object>> key(List<Field> fields, Context ctx) {
    var k = new ArrayList<Object>();
    for (Field f : fields) {
      var v = value(f, ctx);
      if (v.isEmpty()) return Optional.empty();
      k.add(v.get());
    }
    return Optional.of(k);
  }

  /** The field's value in this packet, or empty when the packet lacks that protocol. */
  private static Optional<Object> value(Field f, Context ctx) {
    Packet p = ctx.packet();
    // As the kernel sees it: VLAN offload moves the tag into metadata, so the protocol fields
    // (whose dependency is meta protocol) see the inner packet; only "ether type" reads the tag.
    boolean tagged = p.vlan().isPresent();
    boolean v4 = p.ethertype() == Packet.IPV4;
    boolean v6 = p.ethertype() == Packet.IPV6;
    boolean arp = p.ethertype() == Packet.ARP;
    boolean transport = !p.firstFragment(); // a first fragment here carries no transport header
    Object v = switch (f) {
      case IIFNAME -> ctx.iif();
      case OIFNAME -> ctx.oif().isEmpty() ? null : ctx.oif();
      case IBRNAME -> null;
      case NFPROTO -> v4 ? "ipv4" : v6 ? "ipv6" : null;
      case L4PROTO -> (v4 || v6) && p.l4() != 0 ? p.l4() : null;
      case ETHER_TYPE -> tagged ? 0x8100 : p.ethertype();
      case ETHER_SADDR -> p.srcMac().toLowerCase(java.util.Locale.ROOT);
      case VLAN_ID -> p.vlan().orElse(null);
      case IP_SADDR -> v4 ? p.src().orElseThrow() : null;
      case IP_DADDR -> v4 ? p.dst().orElseThrow() : null;
      case IP6_SADDR -> v6 ? p.src().orElseThrow() : null;
      case IP6_DADDR -> v6 ? p.dst().orElseThrow() : null;
      case UDP_SPORT -> (v4 || v6) && transport && p.l4() == Packet.UDP ? p.sport() : null;
      case UDP_DPORT -> (v4 || v6) && transport && p.l4() == Packet.UDP ? p.dport() : null;
      case TH_DPORT -> (v4 || v6) && transport && (p.l4() == Packet.UDP || p.l4() == Packet.TCP) ? p.dport() : null;
      case ICMP_TYPE -> v4 && p.l4() == Packet.ICMP ? p.type() : null;
      case ICMPV6_TYPE -> v6 && transport && p.l4() == Packet.ICMPV6 ? p.type() : null;
      case IGMP_TYPE -> v4 && p.l4() == Packet.IGMP ? p.type() : null;
      case ND_OPT_HEAD, ND_OPT_LLA, RS_OPT_HEAD, RS_OPT_LLA, DHCP_CHADDR -> raw(f, p);
      case ND_TARGET -> v6 && transport && p.l4() == Packet.ICMPV6 && p.target().isPresent() ? p.target().get().getValue() : null;
      // A first fragment without its upper-layer header: the kernel still names the protocol of the
      // last extension header (meta l4proto), but loads from the transport header fail.
      case FRAG_HDR -> v6 && p.firstFragment() ? Boolean.TRUE : null;
      case FRAG_OFF -> v6 && p.firstFragment() ? 0 : null;
      case TH_HEAD -> (v4 || v6) && p.l4() != 0 && !p.firstFragment() ? BigInteger.ZERO : null;
      case ARP_OPERATION -> arp ? p.type() : null;
      case ARP_SHA -> arp ? p.lla().orElseThrow().toLowerCase(java.util.Locale.ROOT) : null;
      case ARP_SPA -> arp ? p.src().orElseThrow() : null;
      case CT_STATE -> v4 || v6 ? "new" : null;
      case TCP_SYN_ACK -> (v4 || v6) && p.l4() == Packet.TCP ? 0x02 : null; // the cases' TCP segments are SYNs
    };
    return Optional.ofNullable(v);
  }

  /** A raw payload field from the packet's bytes, or nothing when the packet ends before it (the kernel's load fails). */
  private static BigInteger raw(Field f, Packet p) {
    var th = Frames.transport(p);
    if (th.isEmpty() || f.rawOffset() + f.rawBits() > th.get().length * 8) return null;
    var bytes = java.util.Arrays.copyOfRange(th.get(), f.rawOffset() / 8, (f.rawOffset() + f.rawBits()) / 8);
    return new BigInteger(1, bytes);
  }

  private static String where(Nft.Table t, Nft.Chain c) {
    return t.family().nft() + " " + t.name() + " " + c.name();
  }
}
