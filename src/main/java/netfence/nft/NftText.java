package netfence.nft;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The text form of the {@link Nft} AST: a table's definition, its body, a
 * rule, an element. Scripts that change the kernel are written by {@link
 * NftScript}, from commands.
 */
public final class NftText {
  private NftText() {}

  /** One table's definition. */
  public static String table(Nft.Table t) {
    var b = new StringBuilder();
    table(b, t);
    return b.toString();
  }

  static void table(StringBuilder b, Nft.Table t) {
    b.append("table ").append(t.family().nft()).append(' ').append(t.name()).append(" {\n");
    body(b, t);
    b.append("}\n");
  }

  /** The inside of a table (sets, then chains), indented by one tab. */
  public static String body(Nft.Table t) {
    var b = new StringBuilder();
    body(b, t);
    return b.toString();
  }

  private static void body(StringBuilder b, Nft.Table t) {
    for (var c : t.counters()) b.append("\tcounter ").append(c).append(" {\n\t}\n");
    for (var s : t.sets()) set(b, s);
    for (var c : t.chains()) chain(b, c);
  }

  private static void set(StringBuilder b, Nft.Set s) {
    b.append('\t').append(s.data() == Nft.Data.VERDICT ? "map " : "set ").append(s.name()).append(" {\n");
    if (s.key().stream().anyMatch(f -> f.type().isEmpty())) {
      b.append("\t\ttypeof ").append(concat(s.key()));
    } else {
      b.append("\t\ttype ").append(s.key().stream().map(Field::type).collect(Collectors.joining(" . ")));
    }
    if (s.data() == Nft.Data.VERDICT) b.append(" : verdict");
    b.append('\n');
    if (s.data() == Nft.Data.COUNTER) b.append("\t\tsize ").append(Nft.COUNTED_SET_SIZE).append("\n\t\tflags dynamic\n\t\tcounter\n");
    if (s.interval()) b.append("\t\tflags interval\n");
    if (!s.elements().isEmpty()) {
      b.append("\t\telements = {");
      for (int i = 0; i < s.elements().size(); i++) {
        b.append(i == 0 ? "\n\t\t\t" : ",\n\t\t\t");
        element(b, s.elements().get(i));
      }
      b.append("\n\t\t}\n");
    }
    b.append("\t}\n");
  }

  /** An element as nft writes it inside {@code elements = { ... }}. */
  public static String element(Nft.Element e) {
    var b = new StringBuilder();
    element(b, e);
    return b.toString();
  }

  static void element(StringBuilder b, Nft.Element e) {
    key(b, e);
    e.verdict().ifPresent(v -> b.append(" : ").append(verdict(v)));
  }

  /** An element's key alone: how nft deletes a map element. */
  static void key(StringBuilder b, Nft.Element e) {
    var key = e.key();
    for (int i = 0; i < key.size(); i++) {
      if (i > 0) b.append(" . ");
      b.append(key.get(i));
    }
  }

  private static void chain(StringBuilder b, Nft.Chain c) {
    b.append("\tchain ").append(c.name()).append(" {\n");
    c.hook().ifPresent(h -> b.append("\t\ttype ").append(h.type()).append(" hook ").append(h.hook())
        .append(" priority ").append(h.priority()).append("; policy ").append(h.policy()).append(";\n"));
    for (var r : c.rules()) b.append("\t\t").append(rule(r)).append('\n');
    b.append("\t}\n");
  }

  /** A rule as one line. */
  public static String rule(Nft.Rule r) {
    var parts = new java.util.ArrayList<String>();
    for (var m : r.matches()) parts.add(match(m));
    r.counter().ifPresent(c -> parts.add("counter name " + c));
    r.verdict().ifPresent(v -> parts.add(verdict(v)));
    return String.join(" ", parts);
  }

  static String match(Nft.Match m) {
    return switch (m) {
      case Nft.Equals e -> e.field().nft() + " " + e.op().text() + e.value();
      case Nft.InSet s -> s.field().nft() + (s.negated() ? " != { " : " { ") + String.join(", ", s.values()) + " }";
      case Nft.InNamedSet s -> concat(s.key()) + (s.negated() ? " != @" : " @") + s.set();
    };
  }

  static String verdict(Nft.Verdict v) {
    return switch (v) {
      case Nft.Accept a -> "accept";
      case Nft.Drop d -> "drop";
      case Nft.Jump j -> "jump " + j.chain();
      case Nft.Return r -> "return";
      case Nft.Vmap m -> concat(m.key()) + " vmap @" + m.map();
      case Nft.Masquerade m -> "masquerade";
      case Nft.Notrack n -> "notrack";
      case Nft.CountIn c -> "add @" + c.map() + " { " + concat(c.key()) + " }";
    };
  }

  private static String concat(List<Field> key) {
    return key.stream().map(Field::nft).collect(Collectors.joining(" . "));
  }
}
