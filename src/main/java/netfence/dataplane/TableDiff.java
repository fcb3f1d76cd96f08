package netfence.dataplane;

import static netfence.nft.Field.*;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import netfence.nft.Field;
import netfence.nft.Nft;
import netfence.nft.NftText;

/**
 * How a live netfence table differs from the desired one. Both are first
 * put in a canonical form, so that what nft prints back compares equal to
 * what the renderer wrote: values by type (quoted interface names,
 * lower-case MACs, RFC 5952 addresses, full-length prefixes as plain
 * addresses, raw payload integers as zero-padded hex), set elements and
 * anonymous-set values without order, counters, sets and chains by name,
 * and the protocol dependencies nft prints but the renderer never writes
 * ({@code ether type ip} before {@code igmp type}) left out.
 *
 * <p>The outcome is one of: the same; only set elements differ (a list of
 * element changes); or the structure differs (the table must be replaced).
 */
final class TableDiff {
  private TableDiff() {}

  sealed interface Outcome permits Same, Elements, Replace {}

  record Same() implements Outcome {}

  /** Only elements differ: remove {@code deletes}, then add {@code adds}. */
  record Elements(List<ElementChange> deletes, List<ElementChange> adds) implements Outcome {}

  /** The structure differs, or the table is missing; {@code reason} says how. */
  record Replace(String reason) implements Outcome {}

  /** One element of one set, canonical (and valid nft text). */
  record ElementChange(String set, Nft.Element element) {}

  static Outcome of(Nft.Table desired, Optional<Nft.Table> live) {
    if (live.isEmpty()) return new Replace("table missing");
    Nft.Table want = canonical(desired);
    Nft.Table have = canonical(live.get());
    Optional<String> structural = structureDifference(want, have);
    if (structural.isPresent()) return new Replace(structural.get());
    var deletes = new ArrayList<ElementChange>();
    var adds = new ArrayList<ElementChange>();
    var taps = taps(want);
    for (Nft.Set w : want.sets()) {
      var h = new LinkedHashSet<>(have.set(w.name()).orElseThrow().elements());
      if (w.data() == Nft.Data.COUNTER) {
        // The packet path fills counted sets; only the counts of taps no port of the table has any more go.
        for (var e : h) if (!taps.contains(e.key().getFirst())) deletes.add(new ElementChange(w.name(), e));
        continue;
      }
      var d = new LinkedHashSet<>(w.elements());
      for (var e : h) if (!d.contains(e)) deletes.add(new ElementChange(w.name(), e));
      for (var e : d) if (!h.contains(e)) adds.add(new ElementChange(w.name(), e));
    }
    if (deletes.isEmpty() && adds.isEmpty()) return new Same();
    return new Elements(deletes, adds);
  }

  /** The input interfaces the table's sets name: its VM ports, trusted and foreign ports. */
  private static java.util.Set<String> taps(Nft.Table t) {
    var out = new java.util.HashSet<String>();
    for (var s : t.sets()) {
      if (s.data() == Nft.Data.COUNTER || s.key().getFirst() != Field.IIFNAME) continue;
      for (var e : s.elements()) out.add(e.key().getFirst());
    }
    return out;
  }

  /** The first structural difference, named for a human; empty when only elements differ. */
  private static Optional<String> structureDifference(Nft.Table want, Nft.Table have) {
    if (!want.counters().equals(have.counters())) {
      return Optional.of("counters differ: " + have.counters() + " instead of " + want.counters());
    }
    if (!names(want.sets(), Nft.Set::name).equals(names(have.sets(), Nft.Set::name))) {
      return Optional.of("sets differ: " + names(have.sets(), Nft.Set::name) + " instead of " + names(want.sets(), Nft.Set::name));
    }
    for (Nft.Set w : want.sets()) {
      Nft.Set h = have.set(w.name()).orElseThrow();
      if (!withoutElements(w).equals(withoutElements(h))) return Optional.of("set " + w.name() + " is declared differently");
    }
    if (!names(want.chains(), Nft.Chain::name).equals(names(have.chains(), Nft.Chain::name))) {
      return Optional.of("chains differ: " + names(have.chains(), Nft.Chain::name) + " instead of "
          + names(want.chains(), Nft.Chain::name));
    }
    for (Nft.Chain w : want.chains()) {
      Nft.Chain h = have.chain(w.name()).orElseThrow();
      if (!w.hook().equals(h.hook())) return Optional.of("chain " + w.name() + " has another hook");
      for (int i = 0; i < Math.max(w.rules().size(), h.rules().size()); i++) {
        var wr = i < w.rules().size() ? w.rules().get(i) : null;
        var hr = i < h.rules().size() ? h.rules().get(i) : null;
        if (!java.util.Objects.equals(wr, hr)) {
          return Optional.of("chain " + w.name() + " rule " + (i + 1) + " is '" + (hr == null ? "(none)" : NftText.rule(hr))
              + "' instead of '" + (wr == null ? "(none)" : NftText.rule(wr)) + "'");
        }
      }
    }
    return Optional.empty();
  }

  private static <T> List<String> names(List<T> items, java.util.function.Function<T, String> name) {
    return items.stream().map(name).toList();
  }

  private static Nft.Set withoutElements(Nft.Set s) {
    return new Nft.Set(s.name(), s.key(), s.interval(), s.data(), List.of());
  }

  // ---- canonical form -------------------------------------------------------

  static Nft.Table canonical(Nft.Table t) {
    var sets = t.sets().stream().map(TableDiff::canonical).sorted(Comparator.comparing(Nft.Set::name)).toList();
    var chains = t.chains().stream()
        .map(c -> new Nft.Chain(c.name(), c.hook(), c.rules().stream().map(TableDiff::canonical).toList()))
        .sorted(Comparator.comparing(Nft.Chain::name))
        .toList();
    return new Nft.Table(t.family(), t.name(), t.counters().stream().sorted().toList(), sets, chains);
  }

  private static Nft.Set canonical(Nft.Set s) {
    var elements = s.elements().stream()
        .map(e -> {
          var key = new ArrayList<String>();
          for (int i = 0; i < e.key().size(); i++) key.add(value(s.key().get(i), e.key().get(i)));
          return new Nft.Element(key, e.verdict());
        })
        .distinct()
        .toList();
    // A set is declared by type: which field of that type a rule looks it up by is the rule's business.
    var key = s.key().stream().map(TableDiff::representative).toList();
    return new Nft.Set(s.name(), key, s.interval(), s.data(), elements);
  }

  private static Field representative(Field f) {
    // Raw payload is an integer of its length, whatever offset a rule reads it from.
    if (f.type().isEmpty()) {
      for (Field c : Field.values()) if (c.type().isEmpty() && c.rawBits() == f.rawBits()) return c;
      return f;
    }
    for (Field c : Field.values()) if (c.type().equals(f.type())) return c;
    return f;
  }

  private static Nft.Rule canonical(Nft.Rule r) {
    var fieldsUsed = new LinkedHashSet<Field>();
    for (var m : r.matches()) {
      switch (m) {
        case Nft.Equals e -> fieldsUsed.add(e.field());
        case Nft.InSet s -> fieldsUsed.add(s.field());
        case Nft.InNamedSet s -> fieldsUsed.addAll(s.key());
      }
    }
    var matches = new ArrayList<Nft.Match>();
    for (var m : r.matches()) {
      if (m instanceof Nft.Equals e && e.op() == Nft.Op.EQ && impliedBy(e.field(), e.value(), fieldsUsed)) continue;
      matches.add(switch (m) {
        case Nft.Equals e -> new Nft.Equals(e.field(), e.op(), value(e.field(), e.value()));
        // nft stores a one-value anonymous set as a plain comparison
        case Nft.InSet s when s.values().size() == 1 ->
            new Nft.Equals(s.field(), s.negated() ? Nft.Op.NE : Nft.Op.EQ, value(s.field(), s.values().getFirst()));
        case Nft.InSet s -> new Nft.InSet(s.field(),
            s.values().stream().map(v -> value(s.field(), v)).distinct().sorted().toList(), s.negated());
        case Nft.InNamedSet s -> s;
      });
    }
    return new Nft.Rule(matches, r.counter(), r.verdict());
  }

  /** Protocol dependencies: {@code field == value} holds whenever one of the listed fields is matched. */
  private static final Map<Field, Map<String, Set<Field>>> DEPENDENCIES = Map.of(
      ETHER_TYPE, Map.of(
          "ip", Set.of(IP_SADDR, IP_DADDR, ICMP_TYPE, IGMP_TYPE),
          "ip6", Set.of(IP6_SADDR, IP6_DADDR, ICMPV6_TYPE),
          "arp", Set.of(ARP_OPERATION, ARP_SHA, ARP_SPA)),
      NFPROTO, Map.of(
          "ipv4", Set.of(IP_SADDR, IP_DADDR, ICMP_TYPE, IGMP_TYPE),
          "ipv6", Set.of(IP6_SADDR, IP6_DADDR, ICMPV6_TYPE)),
      L4PROTO, Map.of(
          "udp", Set.of(UDP_SPORT, UDP_DPORT),
          "icmp", Set.of(ICMP_TYPE),
          "ipv6-icmp", Set.of(ICMPV6_TYPE),
          "igmp", Set.of(IGMP_TYPE)));

  private static boolean impliedBy(Field field, String value, Set<Field> used) {
    Set<Field> by = DEPENDENCIES.getOrDefault(field, Map.of()).getOrDefault(value, Set.of());
    return by.stream().anyMatch(used::contains);
  }

  /** A value in canonical nft text, by the field's type. */
  static String value(Field f, String v) {
    return switch (f.type()) {
      case "ifname" -> "\"" + (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v) + "\"";
      case "ether_addr" -> v.toLowerCase(Locale.ROOT);
      case "ipv4_addr", "ipv6_addr" -> IpJson.canonical(v);
      case "" -> hex(v, f.rawBits());
      default -> v;
    };
  }


  private static String hex(String v, int bits) {
    String s = v.toLowerCase(Locale.ROOT);
    BigInteger n;
    try {
      n = s.startsWith("0x") ? new BigInteger(s.substring(2), 16) : new BigInteger(s);
    } catch (NumberFormatException e) {
      return v; // not a number: compare as written
    }
    return "0x" + String.format("%" + (bits / 4) + "s", n.toString(16)).replace(' ', '0');
  }
}
