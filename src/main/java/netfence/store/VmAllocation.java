package netfence.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import netfence.inventory.Diagnostic;
import netfence.inventory.Pos;
import netfence.model.AddressPlan;
import netfence.model.BridgedNetwork;
import netfence.model.Inventory;
import netfence.model.Vm;

/**
 * Fills in what a VM's JSON body lacks: the index, and per interface the tap,
 * the MAC and (on a bridged network) the addresses.
 *
 * <p>Allocated fields are inserted into the request text right after the
 * opening brace of their object rather than re-serialising the body, so every
 * other character keeps its place and {@link #toRequest} can map a diagnostic
 * found in the allocated text back to the line and column the client wrote.
 */
record VmAllocation(String original, String text, List<Insertion> insertions, List<Diagnostic> errors) {
  private static final JsonFactory JSON = new JsonFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** {@code text} is inserted before the character at {@code offset} of the original. */
  record Insertion(int offset, String text) {}

  /** Where an object opens in the request: the offset after its brace, its position, and whether it has members. */
  private record ObjectAt(int inside, Pos pos, boolean empty) {}

  static VmAllocation none(String body) {
    return new VmAllocation(body, body, List.of(), List.of());
  }

  /**
   * Allocates for VM {@code name} given the current inventory (which may hold
   * an older version of the same VM). Bodies that are not well-formed JSON
   * objects are returned unchanged: validation reports what is wrong with them.
   */
  static VmAllocation allocate(String name, String body, Inventory current, String source) {
    Optional<ObjectAt> root;
    List<Optional<ObjectAt>> ifaceAt = new ArrayList<>();
    JsonNode tree;
    try {
      root = scan(body, ifaceAt, source);
      tree = MAPPER.readTree(body);
    } catch (IOException e) {
      return none(body);
    }
    if (root.isEmpty() || tree == null || !tree.isObject()) return none(body);

    List<Vm> others = current.vms().stream().filter(v -> !v.name().equals(name)).toList();
    var insertions = new ArrayList<Insertion>();
    var errors = new ArrayList<Diagnostic>();

    Optional<Integer> index = Optional.empty();
    JsonNode idx = tree.get("index");
    if (idx == null) {
      Set<Integer> used = new HashSet<>();
      others.forEach(v -> used.add(v.index()));
      // A replaced VM keeps its index (and so its default MAC and tap) unless another VM took it meanwhile.
      int chosen = current.vms().stream().filter(v -> v.name().equals(name)).map(Vm::index)
          .filter(i -> !used.contains(i)).findFirst().orElseGet(() -> {
            int i = 1;
            while (used.contains(i)) i++;
            return i;
          });
      index = Optional.of(chosen);
      insertions.add(member(root.get(), List.of("\"index\": " + chosen)));
    } else if (idx.canConvertToInt() && idx.intValue() >= 1 && idx.intValue() <= AddressPlan.MAX_INDEX) {
      index = Optional.of(idx.intValue());
    }

    JsonNode ifaces = tree.get("interfaces");
    if (ifaces != null && ifaces.isArray()) {
      Ipv4Pool pool = Ipv4Pool.of(others, current, ifaces);
      for (int i = 0; i < ifaces.size() && i < ifaceAt.size(); i++) {
        JsonNode iface = ifaces.get(i);
        Optional<ObjectAt> at = ifaceAt.get(i);
        if (at.isEmpty() || !iface.isObject()) continue;
        var members = new ArrayList<String>();
        if (index.isPresent() && !iface.has("tap")) {
          // Every interface needs its own tap; the first keeps the documented default.
          members.add(quoted("tap", AddressPlan.defaultTap(index.get()) + (i == 0 ? "" : "-" + i)));
        }
        if (index.isPresent() && !iface.has("mac") && i <= AddressPlan.MAX_INTERFACE) {
          members.add(quoted("mac", AddressPlan.text(AddressPlan.defaultMac(index.get(), i))));
        }
        JsonNode net = iface.get("network");
        if (!iface.has("addresses") && net != null && net.isTextual()
            && current.network(net.asText()).orElse(null) instanceof BridgedNetwork b) {
          var addresses = new ArrayList<String>();
          b.ipv4().ifPresent(p -> pool.next(b).ifPresentOrElse(a -> addresses.add("\"" + a + "\""),
              () -> errors.add(new Diagnostic(at.get().pos(), Diagnostic.Severity.ERROR, String.format(
                  "network '%s' has no free IPv4 address left in %s; give 'addresses' explicitly", b.name(), AddressPlan.text(p))))));
          b.ipv6().filter(p -> Integer.valueOf(64).equals(p.getNetworkPrefixLength())).ifPresent(p -> addresses.add("\"slaac\""));
          if (!addresses.isEmpty()) members.add("\"addresses\": [" + String.join(", ", addresses) + "]");
        }
        if (!members.isEmpty()) insertions.add(member(at.get(), members));
      }
    }
    insertions.sort(Comparator.comparingInt(Insertion::offset));
    var text = new StringBuilder(body);
    for (int k = insertions.size() - 1; k >= 0; k--) text.insert(insertions.get(k).offset(), insertions.get(k).text());
    return new VmAllocation(body, text.toString(), List.copyOf(insertions), List.copyOf(errors));
  }

  /** The stored form: the allocated body as compact JSON. */
  String stored() {
    try {
      return MAPPER.writeValueAsString(MAPPER.readTree(text));
    } catch (IOException e) {
      throw new IllegalStateException("a validated body no longer parses: " + e.getMessage(), e);
    }
  }

  /** A diagnostic found in {@link #text}, at the place in the client's request it comes from. */
  Diagnostic toRequest(Diagnostic d) {
    if (insertions.isEmpty()) return d;
    int m = offset(text, d.pos().line(), d.pos().column());
    int shift = 0;
    int o = -1;
    for (var ins : insertions) {
      int start = ins.offset() + shift;
      if (m < start) break;
      if (m < start + ins.text().length()) {
        o = ins.offset() - 1; // inside allocated text: blame the object's opening brace
        break;
      }
      shift += ins.text().length();
    }
    if (o < 0) o = m - shift;
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < o && i < original.length(); i++) {
      if (original.charAt(i) == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    return new Diagnostic(new Pos(d.pos().file(), line, o - lineStart + 1), d.severity(), d.message());
  }

  private static int offset(String s, int line, int column) {
    int l = 1;
    int i = 0;
    while (l < line && i < s.length()) {
      if (s.charAt(i++) == '\n') l++;
    }
    return Math.min(s.length(), i + column - 1);
  }

  private static Insertion member(ObjectAt at, List<String> members) {
    return new Insertion(at.inside(), String.join(", ", members) + (at.empty() ? "" : ", "));
  }

  private static String quoted(String key, String value) {
    return "\"" + key + "\": \"" + value + "\"";
  }

  /** Finds the root object and each element of its {@code interfaces} array. */
  private static Optional<ObjectAt> scan(String body, List<Optional<ObjectAt>> ifaceAt, String source) throws IOException {
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return Optional.empty();
      ObjectAt root = opened(p, source);
      JsonToken t = root.empty() ? JsonToken.END_OBJECT : JsonToken.FIELD_NAME;
      while (t == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        JsonToken v = p.nextToken();
        if (key.equals("interfaces") && v == JsonToken.START_ARRAY) {
          JsonToken e;
          while ((e = p.nextToken()) != JsonToken.END_ARRAY && e != null) {
            if (e == JsonToken.START_OBJECT) {
              ObjectAt at = opened(p, source);
              ifaceAt.add(Optional.of(at));
              if (!at.empty()) skipRestOfObject(p);
            } else {
              ifaceAt.add(Optional.empty());
              p.skipChildren();
            }
          }
        } else {
          p.skipChildren();
        }
        t = p.nextToken();
      }
      return Optional.of(root);
    }
  }

  /** At a START_OBJECT: its place, and whether it is empty (the parser is then on its first member or its end). */
  private static ObjectAt opened(JsonParser p, String source) throws IOException {
    var l = p.currentTokenLocation();
    int inside = (int) l.getCharOffset() + 1;
    Pos pos = new Pos(source, Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
    return new ObjectAt(inside, pos, p.nextToken() == JsonToken.END_OBJECT);
  }

  private static void skipRestOfObject(JsonParser p) throws IOException {
    // The parser is on the object's first FIELD_NAME.
    JsonToken t = p.currentToken();
    while (t == JsonToken.FIELD_NAME) {
      p.nextToken();
      p.skipChildren();
      t = p.nextToken();
    }
  }

  /**
   * The IPv4 addresses of a bridged network that are taken: other VMs' addresses
   * and routed prefixes, gateways, and what the request names or was given.
   */
  private record Ipv4Pool(Set<Long> taken, List<long[]> routed) {
    static Ipv4Pool of(List<Vm> others, Inventory current, JsonNode requestInterfaces) {
      var taken = new HashSet<Long>();
      var routed = new ArrayList<long[]>();
      for (Vm v : others) {
        for (var i : v.interfaces()) {
          i.ipv4Addresses().forEach(a -> taken.add(a.toIPv4().longValue()));
          i.routedPrefixes().stream().filter(IPAddress::isIPv4).map(IPAddress::toPrefixBlock)
              .forEach(p -> routed.add(new long[] {p.getLower().toIPv4().longValue(), p.getUpper().toIPv4().longValue()}));
        }
      }
      current.networks().forEach(n -> {
        if (n instanceof BridgedNetwork b) b.gateways().stream().filter(IPAddress::isIPv4).forEach(g -> taken.add(g.toIPv4().longValue()));
      });
      for (JsonNode i : requestInterfaces) {
        JsonNode as = i.get("addresses");
        if (as == null || !as.isArray()) continue;
        for (JsonNode a : as) {
          IPAddress ip = a.isTextual() ? new IPAddressString(a.asText()).getAddress() : null;
          if (ip != null && ip.isIPv4()) taken.add(ip.toIPv4().longValue());
        }
      }
      return new Ipv4Pool(taken, routed);
    }

    /** The lowest free host address of the network's IPv4 prefix, which is then taken. */
    Optional<String> next(BridgedNetwork b) {
      IPAddress p = b.ipv4().orElseThrow().toPrefixBlock();
      long lower = p.getLower().toIPv4().longValue();
      long upper = p.getUpper().toIPv4().longValue();
      int len = p.getNetworkPrefixLength() == null ? 32 : p.getNetworkPrefixLength();
      if (len < 31) upper--; // the broadcast address
      for (long a = lower + 1; a <= upper; a++) {
        if (taken.contains(a) || inRouted(a)) continue;
        taken.add(a);
        return Optional.of(new inet.ipaddr.ipv4.IPv4Address((int) a).toCanonicalString());
      }
      return Optional.empty();
    }

    private boolean inRouted(long a) {
      for (long[] r : routed) if (a >= r[0] && a <= r[1]) return true;
      return false;
    }
  }
}
