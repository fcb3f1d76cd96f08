package netfence.inventory;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Typed access to one mapping's fields. Reports unknown keys (with the
 * closest known one), missing required keys and wrong types.
 */
final class Fields {
  private final Node.Mapping mapping;
  private final String what;
  private final Problems problems;

  Fields(Node.Mapping mapping, String what, Problems problems, Set<String> known) {
    this.mapping = mapping;
    this.what = what;
    this.problems = problems;
    for (var e : mapping.entries()) {
      String k = e.key().value();
      if (!known.contains(k)) {
        String hint = closest(k, known).map(s -> "; did you mean '" + s + "'?").orElse("; known keys: " + String.join(", ", sorted(known)));
        problems.error(e.key().pos(), "unknown key '%s' in %s%s", Names.printable(k), what, hint);
      }
    }
  }

  /** Reads {@code node} as a mapping, or reports what it is instead. */
  static Optional<Node.Mapping> mapping(Node node, String what, Problems problems) {
    if (node instanceof Node.Mapping m) return Optional.of(m);
    if (node instanceof Node.Scalar s && s.type().equals("null")) return Optional.of(new Node.Mapping(s.pos(), List.of()));
    problems.error(node.pos(), "%s must be a mapping, found %s", what, node.kind());
    return Optional.empty();
  }

  Pos pos() {
    return mapping.pos();
  }

  Optional<Node.Entry> entry(String key) {
    return mapping.get(key);
  }

  boolean has(String key) {
    return mapping.get(key).isPresent();
  }

  Optional<Node.Scalar> string(String key) {
    return entry(key).flatMap(e -> scalar(e.value(), "str", "'" + key + "'"));
  }

  Optional<Node.Scalar> requiredString(String key) {
    if (!has(key)) {
      problems.error(mapping.pos(), "%s has no '%s'", what, key);
      return Optional.empty();
    }
    return string(key);
  }

  Optional<Boolean> bool(String key) {
    return entry(key).flatMap(e -> scalar(e.value(), "bool", "'" + key + "'")).map(s -> Boolean.parseBoolean(s.value().toLowerCase(java.util.Locale.ROOT)));
  }

  /** The list under {@code key} (empty when absent); a lone scalar is reported, not wrapped. */
  List<Node.Scalar> strings(String key) {
    var e = entry(key);
    if (e.isEmpty()) return List.of();
    if (!(e.get().value() instanceof Node.Sequence seq)) {
      problems.error(e.get().value().pos(), "'%s' must be a list, found %s", key, e.get().value().kind());
      return List.of();
    }
    return seq.items().stream().flatMap(n -> scalar(n, "str", "an entry of '" + key + "'").stream()).toList();
  }

  /** A scalar of the expected YAML type; strings also accept numbers written plainly. */
  Optional<Node.Scalar> scalar(Node n, String type, String what) {
    if (n instanceof Node.Scalar s) {
      if (s.type().equals(type)) return Optional.of(s);
      if (type.equals("str") && !s.type().equals("null")) return Optional.of(s);
    }
    String expected = switch (type) {
      case "str" -> "a string";
      case "int" -> "an integer";
      case "bool" -> "true or false";
      default -> type;
    };
    problems.error(n.pos(), "%s must be %s, found %s%s", what, expected, n.kind(),
        n instanceof Node.Scalar s && !s.type().equals("null") ? " '" + Names.printable(s.value()) + "'" : "");
    return Optional.empty();
  }

  /** The known name closest to {@code word} by edit distance, if it is close enough to be a typo. */
  static Optional<String> closest(String word, Set<String> known) {
    return known.stream()
        .min(Comparator.comparingInt((String k) -> distance(word, k)).thenComparing(k -> k))
        .filter(k -> distance(word, k) <= Math.max(2, k.length() / 3));
  }

  private static List<String> sorted(Set<String> s) {
    return s.stream().sorted().toList();
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
