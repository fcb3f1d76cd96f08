package netfence.render.nixos;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A small Nix expression model and its printer: just what NixOS modules
 * generated from the inventory need. Names and addresses are never escaped
 * into double-quoted strings: they are validated, and {@link Str} rejects
 * anything that would need escaping. Only free text (an nft table body) goes
 * into an indented string, where {@code ''} and {@code $} are escaped.
 */
final class Nix {
  private Nix() {}

  sealed interface Value permits Str, Bool, Int, NList, Attrs, Indented {}

  /** A double-quoted string of validated text. */
  record Str(String text) implements Value {
    Str {
      if (text.contains("\"") || text.contains("\\") || text.contains("${") || text.chars().anyMatch(c -> c < 0x20 || c == 0x7f))
        throw new IllegalArgumentException("not safe in a Nix string: " + text);
    }
  }

  record Bool(boolean value) implements Value {}

  record Int(long value) implements Value {}

  record NList(List<Value> items) implements Value {
    NList {
      items = List.copyOf(items);
    }
  }

  /** An attribute set; bindings keep their order. */
  record Attrs(List<Binding> bindings) implements Value {
    Attrs {
      bindings = List.copyOf(bindings);
    }
  }

  /** {@code a.b."c-d" = value;}, with an optional comment above it. */
  record Binding(List<String> path, Value value, Optional<String> comment) {
    Binding {
      path = List.copyOf(path);
      if (path.isEmpty()) throw new IllegalArgumentException("empty attribute path");
    }

    Binding(String dottedPath, Value value) {
      this(Arrays.asList(dottedPath.split("\\.")), value, Optional.empty());
    }
  }

  /** An indented string ({@code ''...''}) holding free text that ends with a newline. */
  record Indented(String text) implements Value {
    Indented {
      if (!text.isEmpty() && !text.endsWith("\n")) throw new IllegalArgumentException("indented text must end with a newline");
    }
  }

  static Str str(String s) {
    return new Str(s);
  }

  static NList strings(List<String> items) {
    return new NList(items.stream().<Value>map(Str::new).toList());
  }

  static Binding bind(String path, Value value) {
    return new Binding(path, value);
  }

  /** A binding whose path is {@code prefix} then one attribute name that may need quoting. */
  static Binding bind(String prefix, String name, Value value) {
    var path = new java.util.ArrayList<>(Arrays.asList(prefix.split("\\.")));
    path.add(name);
    return new Binding(path, value, Optional.empty());
  }

  // ---- printing -------------------------------------------------------------

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_'-]*");
  private static final Set<String> KEYWORDS = Set.of("if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or");

  /** A NixOS module: {@code { ... }:} and the bindings, a blank line between them. */
  static String module(List<String> header, List<Binding> bindings) {
    var b = new StringBuilder();
    header.forEach(l -> b.append("# ").append(l).append('\n'));
    b.append("{ ... }:\n\n{\n");
    for (int i = 0; i < bindings.size(); i++) {
      if (i > 0) b.append('\n');
      binding(b, bindings.get(i), 1);
    }
    return b.append("}\n").toString();
  }

  /** An attribute name, quoted unless it is a plain identifier. */
  static String name(String n) {
    if (IDENTIFIER.matcher(n).matches() && !KEYWORDS.contains(n)) return n;
    return "\"" + new Str(n).text() + "\"";
  }

  private static void binding(StringBuilder b, Binding bind, int depth) {
    String pad = "  ".repeat(depth);
    bind.comment().ifPresent(c -> c.lines().forEach(l -> b.append(pad).append("# ").append(l).append('\n')));
    var path = new java.util.ArrayList<>(bind.path());
    Value v = bind.value();
    // {a = {b = x;};} reads better as a.b = x; when the inner set has one scalar.
    while (v instanceof Attrs a && a.bindings().size() == 1 && a.bindings().getFirst().comment().isEmpty()
        && isScalar(a.bindings().getFirst().value())) {
      path.addAll(a.bindings().getFirst().path());
      v = a.bindings().getFirst().value();
    }
    b.append(pad).append(String.join(".", path.stream().map(Nix::name).toList())).append(" = ");
    value(b, v, depth);
    b.append(";\n");
  }

  private static void value(StringBuilder b, Value v, int depth) {
    String pad = "  ".repeat(depth);
    switch (v) {
      case Str s -> b.append('"').append(s.text()).append('"');
      case Bool x -> b.append(x.value());
      case Int i -> b.append(i.value());
      case NList l when l.items().isEmpty() -> b.append("[ ]");
      case NList l when l.items().stream().allMatch(i -> i instanceof Int) ->
          b.append("[ ").append(String.join(" ", l.items().stream().map(i -> String.valueOf(((Int) i).value())).toList())).append(" ]");
      case NList l -> {
        b.append("[\n");
        for (Value item : l.items()) {
          b.append(pad).append("  ");
          if (item instanceof Attrs a && a.bindings().stream().allMatch(x -> isScalar(x.value()) && x.comment().isEmpty())) inline(b, a);
          else value(b, item, depth + 1);
          b.append('\n');
        }
        b.append(pad).append(']');
      }
      case Attrs a when a.bindings().isEmpty() -> b.append("{ }");
      case Attrs a -> {
        b.append("{\n");
        for (Binding x : a.bindings()) binding(b, x, depth + 1);
        b.append(pad).append('}');
      }
      case Indented t -> indented(b, t.text(), pad + "  ");
    }
  }

  private static void inline(StringBuilder b, Attrs a) {
    b.append("{ ");
    for (Binding x : a.bindings()) {
      b.append(String.join(".", x.path().stream().map(Nix::name).toList())).append(" = ");
      value(b, x.value(), 0);
      b.append("; ");
    }
    b.append('}');
  }

  private static boolean isScalar(Value v) {
    return v instanceof Str || v instanceof Bool || v instanceof Int;
  }

  /**
   * {@code ''...''} whose value is exactly {@code text}. Every line is indented by {@code pad}
   * (Nix strips the common indentation of an indented string again). Every {@code '} becomes
   * {@code ''\'} and every {@code $} becomes {@code ''$}: then no {@code ''} can end the string
   * early, no {@code ${} can interpolate, and no escape can merge with a neighbouring quote.
   */
  static void indented(StringBuilder b, String text, String pad) {
    b.append("''\n");
    for (String line : text.lines().toList()) {
      if (!line.isEmpty()) b.append(pad).append(escapeIndented(line));
      b.append('\n');
    }
    b.append(pad, 0, Math.max(0, pad.length() - 2)).append("''");
  }

  static String escapeIndented(String line) {
    var b = new StringBuilder();
    for (char c : line.toCharArray()) {
      switch (c) {
        case '\'' -> b.append("''\\'");
        case '$' -> b.append("''$");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
