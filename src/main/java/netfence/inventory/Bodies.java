package netfence.inventory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * One object's body (a host, a network or a VM, as a request or a row of the
 * store carries it): parsed as JSON or YAML into the positioned tree, and
 * written back in the canonical form the store keeps: compact JSON, keys in
 * the order they came, integers in decimal, booleans as {@code true} and
 * {@code false}. So what is stored never depends on the client's spacing or
 * syntax, and a padded body is not stored padded.
 *
 * <pre>{@code
 * var p = Bodies.canonical("request", "uplink: eth0\n");
 * p.canonical();   // Optional[{"uplink":"eth0"}]
 * }</pre>
 */
public final class Bodies {
  private static final JsonFactory JSON = JsonFactory.builder().build();

  private Bodies() {}

  /** A body in canonical form, or why it is not one: its syntax errors. */
  public record Parsed(Optional<String> canonical, List<Diagnostic> errors) {}

  /** Parses {@code body} and writes it canonically; syntax errors only (what the fields mean is not checked). */
  public static Parsed canonical(String source, String body) {
    var problems = new Problems();
    Optional<Node> tree = parse(source, body, problems);
    if (tree.isEmpty() || problems.hasErrors()) return new Parsed(Optional.empty(), problems.sorted());
    return new Parsed(Optional.of(canonical(tree.get())), List.of());
  }

  /** The tree of a body; a blank body is an empty mapping. */
  static Optional<Node> parse(String source, String body, Problems problems) {
    if (body.isBlank()) return Optional.of(new Node.Mapping(new Pos(source, 1, 1), List.of()));
    try {
      return JsonReader.looksLikeJson(body) ? new JsonReader(source, problems).read(body) : new YamlReader(source, problems).read(body);
    } catch (StackOverflowError e) {
      problems.error(new Pos(source, 1, 1), "the body is nested too deeply to be an inventory object");
      return Optional.empty();
    }
  }

  /** The tree as compact JSON. */
  static String canonical(Node tree) {
    var out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      write(g, tree);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void write(JsonGenerator g, Node n) throws IOException {
    switch (n) {
      case Node.Mapping m -> {
        g.writeStartObject();
        for (var e : m.entries()) {
          g.writeFieldName(e.key().value());
          write(g, e.value());
        }
        g.writeEndObject();
      }
      case Node.Sequence s -> {
        g.writeStartArray();
        for (var item : s.items()) write(g, item);
        g.writeEndArray();
      }
      case Node.Scalar s -> {
        switch (s.type()) {
          case "int" -> g.writeNumber(decimal(s.value()));
          case "bool" -> g.writeBoolean(s.value().equalsIgnoreCase("true"));
          case "null" -> g.writeNull();
          // Floats are never valid in an inventory; kept as written so the store never changes a value.
          default -> g.writeString(s.value());
        }
      }
    }
  }

  private static String decimal(String yamlInt) {
    return InventoryDecoder.integer(yamlInt.startsWith("+") ? yamlInt.substring(1) : yamlInt).toString();
  }
}
