package netfence.nft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads nft's JSON output ({@code nft -j list table|ruleset}) into the
 * {@link Nft} AST, for the subset netfence emits: tables, named counters,
 * sets, verdict maps and counted sets (with concatenations, prefixes,
 * ranges and raw payload keys whose elements come back as hex integers),
 * base and regular chains, and rules made of matches, a named counter and
 * one verdict (accept, drop, return, jump, vmap, notrack, masquerade, or
 * {@code add @set { key }} into a counted set).
 *
 * <p>Anything else is reported, never skipped: a {@link NotRepresentable}
 * names the construct and where it is (table, chain, rule handle).
 * Values come back in nft's text form as the renderer writes them:
 * interface names quoted, prefixes as {@code addr/len}, numbers as
 * decimal text, raw payload values as nft prints them ({@code 0x...}).
 * nft may print protocol dependencies it could not hide (e.g.
 * {@code ether type ip} before {@code igmp type} in the bridge family);
 * they are kept, as they are in the kernel.
 *
 * <pre>{@code
 * List<Nft.Table> live = NftJson.read(ns.exec("nft", "-j", "list", "ruleset").orThrow().stdout());
 * }</pre>
 */
public final class NftJson {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, Field> FIELDS = new HashMap<>();

  static {
    for (Field f : Field.values()) FIELDS.put(f.nft(), f);
  }

  private NftJson() {}

  /** A construct in the JSON that the {@link Nft} AST cannot hold. */
  public static final class NotRepresentable extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public NotRepresentable(String message) {
      super(message);
    }
  }

  /** Every table in the document, in the order nft lists them. */
  public static List<Nft.Table> read(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new NotRepresentable("not JSON: " + e.getOriginalMessage());
    }
    JsonNode list = root == null ? null : root.get("nftables");
    if (list == null || !list.isArray()) throw new NotRepresentable("no \"nftables\" array at the top level");

    var tables = new LinkedHashMap<String, TableParts>();
    for (JsonNode item : list) {
      if (item.size() != 1) throw new NotRepresentable("expected one object per list item, got " + item);
      String kind = item.fieldNames().next();
      JsonNode o = item.get(kind);
      switch (kind) {
        case "metainfo" -> {}
        case "table" -> {
          known(o, "table", Set.of("family", "name", "handle"));
          tables.put(key(o.path("family").asText(), o.path("name").asText()),
              new TableParts(o.path("family").asText(), o.path("name").asText()));
        }
        case "counter" -> {
          known(o, "counter " + o.path("name").asText(), Set.of("family", "table", "name", "handle", "packets", "bytes"));
          parts(tables, o).counters.add(o.path("name").asText());
        }
        case "set", "map" -> parts(tables, o).sets.add(o);
        case "chain" -> parts(tables, o).chains.add(o);
        case "rule" -> parts(tables, o).rules.add(o);
        default -> throw new NotRepresentable("cannot represent nft object '" + kind + "': " + item);
      }
    }
    return tables.values().stream().map(TableParts::build).toList();
  }

  private static String key(String family, String name) {
    return family + " " + name;
  }

  private static TableParts parts(Map<String, TableParts> tables, JsonNode o) {
    var t = tables.get(key(o.path("family").asText(), o.path("table").asText()));
    if (t == null) throw new NotRepresentable("object before its table: " + o);
    return t;
  }

  /** The objects of one table, collected before building, because sets learn their key fields from rules. */
  private static final class TableParts {
    final String family;
    final String name;
    final List<String> counters = new ArrayList<>();
    final List<JsonNode> sets = new ArrayList<>();
    final List<JsonNode> chains = new ArrayList<>();
    final List<JsonNode> rules = new ArrayList<>();

    TableParts(String family, String name) {
      this.family = family;
      this.name = name;
    }

    String where() {
      return "table " + family + " " + name;
    }

    Nft.Table build() {
      var rulesByChain = new LinkedHashMap<String, List<Nft.Rule>>();
      var lookupKeys = new HashMap<String, List<Field>>(); // set name -> fields it is looked up by
      for (JsonNode r : rules) {
        String chain = r.path("chain").asText();
        String at = where() + " chain " + chain + " rule handle " + r.path("handle").asText();
        known(r, at, Set.of("family", "table", "chain", "handle", "expr"));
        Nft.Rule rule = rule(r.path("expr"), at);
        rulesByChain.computeIfAbsent(chain, k -> new ArrayList<>()).add(rule);
        for (var m : rule.matches()) if (m instanceof Nft.InNamedSet s) lookupKeys.putIfAbsent(s.set(), s.key());
        rule.verdict().ifPresent(v -> {
          if (v instanceof Nft.Vmap vm) lookupKeys.putIfAbsent(vm.map(), vm.key());
        });
      }
      var builtChains = new ArrayList<Nft.Chain>();
      for (JsonNode c : chains) {
        String chain = c.path("name").asText();
        builtChains.add(chain(c, rulesByChain.getOrDefault(chain, List.of()), where() + " chain " + chain));
        rulesByChain.remove(chain);
      }
      if (!rulesByChain.isEmpty()) throw new NotRepresentable(where() + ": rules of unknown chain(s) " + rulesByChain.keySet());
      var builtSets = sets.stream().map(s -> set(s, lookupKeys, where() + " set " + s.path("name").asText())).toList();
      return new Nft.Table(Family.of(family), name, counters, builtSets, builtChains);
    }
  }

  // ---- chains and rules -----------------------------------------------------

  private static Nft.Chain chain(JsonNode c, List<Nft.Rule> rules, String at) {
    known(c, at, Set.of("family", "table", "name", "handle", "type", "hook", "prio", "policy"));
    Optional<Nft.Hook> hook = Optional.empty();
    if (c.has("hook")) {
      if (!c.path("prio").isInt()) throw new NotRepresentable(at + ": priority " + c.path("prio") + " is not a number");
      hook = Optional.of(new Nft.Hook(c.path("type").asText(), c.path("hook").asText(), c.path("prio").asInt(),
          c.path("policy").asText("accept")));
    }
    return new Nft.Chain(c.path("name").asText(), hook, rules);
  }

  private static Nft.Rule rule(JsonNode exprs, String at) {
    var matches = new ArrayList<Nft.Match>();
    Optional<String> counter = Optional.empty();
    Optional<Nft.Verdict> verdict = Optional.empty();
    for (JsonNode e : exprs) {
      String kind = e.fieldNames().next();
      JsonNode v = e.get(kind);
      if (verdict.isPresent()) throw new NotRepresentable(at + ": statement after the verdict: " + e);
      switch (kind) {
        case "match" -> {
          if (counter.isPresent()) throw new NotRepresentable(at + ": match after the counter: " + e);
          matches.add(match(v, at));
        }
        case "set" -> {
          String set = v.path("set").asText("");
          if (!v.path("op").asText().equals("add") || !set.startsWith("@") || v.has("stmt")) {
            throw new NotRepresentable(at + ": only 'add @set { key }' updates a set: " + e);
          }
          verdict = Optional.of(new Nft.CountIn(fields(v.path("elem"), at), set.substring(1)));
        }
        case "counter" -> {
          if (!v.isTextual()) throw new NotRepresentable(at + ": anonymous counter (only named counters are used): " + e);
          if (counter.isPresent()) throw new NotRepresentable(at + ": two counters in one rule");
          counter = Optional.of(v.asText());
        }
        case "vmap" -> {
          String data = v.path("data").asText("");
          if (!data.startsWith("@")) throw new NotRepresentable(at + ": vmap with an anonymous map: " + e);
          verdict = Optional.of(new Nft.Vmap(fields(v.path("key"), at), data.substring(1)));
        }
        case "notrack" -> verdict = Optional.of(new Nft.Notrack());
        case "masquerade" -> {
          if (!v.isNull()) throw new NotRepresentable(at + ": masquerade with options: " + e);
          verdict = Optional.of(new Nft.Masquerade());
        }
        default -> verdict = Optional.of(verdict(e, at));
      }
    }
    return new Nft.Rule(matches, counter, verdict);
  }

  /** accept, drop, return, jump: in rules and as map data. */
  private static Nft.Verdict verdict(JsonNode e, String at) {
    String kind = e.fieldNames().next();
    return switch (kind) {
      case "accept" -> new Nft.Accept();
      case "drop" -> new Nft.Drop();
      case "return" -> new Nft.Return();
      case "jump" -> new Nft.Jump(e.get("jump").path("target").asText());
      default -> throw new NotRepresentable(at + ": cannot represent statement '" + kind + "': " + e);
    };
  }

  private static Nft.Match match(JsonNode m, String at) {
    String op = m.path("op").asText();
    List<Field> left = fields(m.path("left"), at);
    JsonNode right = m.path("right");
    Nft.Op o = switch (op) {
      case "==", "in" -> Nft.Op.EQ;
      case "!=" -> Nft.Op.NE;
      case ">=" -> Nft.Op.GE;
      default -> throw new NotRepresentable(at + ": cannot represent operator '" + op + "': " + m);
    };
    boolean negated = o == Nft.Op.NE;
    boolean lookup = right.isTextual() && right.asText().startsWith("@");
    if ((lookup || right.has("set")) && o == Nft.Op.GE) throw new NotRepresentable(at + ": '>=' with a set: " + m);
    if (lookup) return new Nft.InNamedSet(left, right.asText().substring(1), negated);
    if (left.size() != 1) throw new NotRepresentable(at + ": a concatenation compared with a value: " + m);
    Field f = left.getFirst();
    if (right.has("set")) {
      var values = new ArrayList<String>();
      for (JsonNode v : right.get("set")) values.add(value(v, f.type(), at));
      return new Nft.InSet(f, values, negated);
    }
    if (right.isBoolean()) return new Nft.Equals(f, o, right.asBoolean() ? "exists" : "missing");
    return new Nft.Equals(f, o, value(right, f.type(), at));
  }

  /** The fields of a key expression: one, or a concatenation. */
  private static List<Field> fields(JsonNode expr, String at) {
    if (expr.has("concat")) {
      var out = new ArrayList<Field>();
      for (JsonNode e : expr.get("concat")) out.add(field(e, at));
      return out;
    }
    return List.of(field(expr, at));
  }

  private static Field field(JsonNode e, String at) {
    String text = null;
    if (e.has("meta")) {
      String k = e.get("meta").path("key").asText();
      text = FIELDS.containsKey(k) ? k : "meta " + k;
    } else if (e.has("payload")) {
      JsonNode p = e.get("payload");
      text = p.has("base")
          ? "@" + p.path("base").asText() + "," + p.path("offset").asText() + "," + p.path("len").asText()
          : p.path("protocol").asText() + " " + p.path("field").asText();
    } else if (e.has("exthdr")) {
      JsonNode x = e.get("exthdr");
      text = x.has("field") ? x.path("name").asText() + " " + x.path("field").asText() : "exthdr " + x.path("name").asText();
    } else if (e.has("ct")) {
      text = "ct " + e.get("ct").path("key").asText();
    } else if (e.has("&") && e.get("&").size() == 2 && e.get("&").get(0).path("payload").path("field").asText().equals("flags")
        && e.get("&").get(0).path("payload").path("protocol").asText().equals("tcp")) {
      // tcp flags & (syn | ack): the mask must be exactly those two bits
      JsonNode mask = e.get("&").get(1);
      var bits = new ArrayList<String>();
      if (mask.isArray()) mask.forEach(x -> bits.add(x.asText()));
      else if (mask.has("|")) mask.get("|").forEach(x -> bits.add(x.asText()));
      else bits.add(mask.asText());
      java.util.Collections.sort(bits);
      if (bits.equals(List.of("ack", "syn"))) text = "tcp flags & (syn | ack)";
    }
    Field f = text == null ? null : FIELDS.get(text);
    if (f == null) throw new NotRepresentable(at + ": cannot represent expression " + e);
    return f;
  }

  // ---- sets -----------------------------------------------------------------

  private static Nft.Set set(JsonNode s, Map<String, List<Field>> lookupKeys, String at) {
    known(s, at, Set.of("family", "table", "name", "handle", "type", "map", "flags", "elem", "size", "stmt"));
    boolean counted = s.path("stmt").size() == 1 && s.path("stmt").get(0).has("counter");
    if (s.has("stmt") && !counted) throw new NotRepresentable(at + ": per-element statements other than one counter: " + s.path("stmt"));
    if (counted != s.has("size")) throw new NotRepresentable(at + ": a size without a counter per element, or the reverse");
    Nft.Data data = switch (s.path("map").asText("")) {
      case "" -> counted ? Nft.Data.COUNTER : Nft.Data.NONE;
      case "verdict" -> Nft.Data.VERDICT;
      default -> throw new NotRepresentable(at + ": a map to " + s.path("map") + " (only verdict maps are used)");
    };
    if (counted && s.path("size").asInt() != Nft.COUNTED_SET_SIZE) {
      throw new NotRepresentable(at + ": counted set of size " + s.path("size") + ", not " + Nft.COUNTED_SET_SIZE);
    }
    boolean interval = false;
    for (JsonNode flag : s.path("flags")) {
      if (flag.asText().equals("interval")) interval = true;
      else if (!(counted && flag.asText().equals("dynamic"))) throw new NotRepresentable(at + ": cannot represent set flag '" + flag.asText() + "'");
    }
    var types = new ArrayList<String>();
    if (s.path("type").isArray()) s.get("type").forEach(t -> types.add(t.asText()));
    else types.add(s.path("type").asText());
    List<Field> key = lookupKeys.get(s.path("name").asText());
    if (key == null) key = keyFromTypes(types, at);
    if (key.size() != types.size()) {
      throw new NotRepresentable(at + ": declared as " + types + " but looked up by " + key);
    }
    var elements = new ArrayList<Nft.Element>();
    for (JsonNode e : s.path("elem")) elements.add(element(e, types, data, at));
    return new Nft.Set(s.path("name").asText(), key, interval, data, elements);
  }

  /** The key of a set no rule looks up: the first field of each declared type. */
  private static List<Field> keyFromTypes(List<String> types, String at) {
    var out = new ArrayList<Field>();
    for (String t : types) {
      Field f = null;
      for (Field c : Field.values()) {
        if (c.type().equals(t)) {
          f = c;
          break;
        }
      }
      if (f == null || t.equals("integer")) {
        throw new NotRepresentable(at + ": no rule looks this set up, and its type '" + t + "' does not say which field it holds");
      }
      out.add(f);
    }
    return out;
  }

  private static Nft.Element element(JsonNode e, List<String> types, Nft.Data data, String at) {
    Optional<Nft.Verdict> verdict = Optional.empty();
    JsonNode keyNode = e;
    if (data == Nft.Data.VERDICT) {
      if (!e.isArray() || e.size() != 2) throw new NotRepresentable(at + ": map element is not [key, value]: " + e);
      keyNode = e.get(0);
      verdict = Optional.of(verdict(e.get(1), at));
    }
    if (keyNode.has("elem")) {
      JsonNode inner = keyNode.get("elem");
      // A counted set's elements carry their counts; the key is what the policy compares.
      known(inner, at + " element", data == Nft.Data.COUNTER ? Set.of("val", "counter") : Set.of("val"));
      keyNode = inner.get("val");
    }
    var parts = new ArrayList<String>();
    if (keyNode.has("concat")) {
      JsonNode c = keyNode.get("concat");
      if (c.size() != types.size()) throw new NotRepresentable(at + ": element " + keyNode + " does not match type " + types);
      for (int i = 0; i < c.size(); i++) parts.add(value(c.get(i), types.get(i), at));
    } else {
      if (types.size() != 1) throw new NotRepresentable(at + ": element " + keyNode + " does not match type " + types);
      parts.add(value(keyNode, types.getFirst(), at));
    }
    return new Nft.Element(parts, verdict);
  }

  /** One value in nft's text form, given its nft type. */
  private static String value(JsonNode v, String type, String at) {
    if (v.isNumber()) return v.asText();
    if (v.isTextual()) return type.equals("ifname") ? "\"" + v.asText() + "\"" : v.asText();
    if (v.has("prefix")) {
      JsonNode p = v.get("prefix");
      return value(p.path("addr"), type, at) + "/" + p.path("len").asInt();
    }
    if (v.has("range") && v.get("range").size() == 2) {
      return value(v.get("range").get(0), type, at) + "-" + value(v.get("range").get(1), type, at);
    }
    throw new NotRepresentable(at + ": cannot represent value " + v);
  }

  /** Fails when {@code o} has a key the AST has no place for. */
  private static void known(JsonNode o, String at, Set<String> keys) {
    o.fieldNames().forEachRemaining(k -> {
      if (!keys.contains(k)) throw new NotRepresentable(at + ": cannot represent '" + k + "': " + o.get(k));
    });
  }
}
