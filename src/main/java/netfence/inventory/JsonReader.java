package netfence.inventory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;

/**
 * Parses JSON (which is YAML 1.2) into the same {@link Node} tree as
 * {@link YamlReader}, with positions, through Jackson's streaming parser:
 * an order of magnitude faster than a YAML parser on large, machine-written
 * inventories and on API request bodies. Types map as YAML's core schema
 * would resolve them: strings {@code str}, integers {@code int}, other
 * numbers {@code float}, {@code true}/{@code false} {@code bool}, {@code
 * null} {@code null}.
 */
final class JsonReader {
  private static final JsonFactory FACTORY = JsonFactory.builder().build();

  private final String file;
  private final Problems problems;

  JsonReader(String file, Problems problems) {
    this.file = file;
    this.problems = problems;
  }

  /** True when {@code text} is JSON rather than block YAML: its first non-blank character opens an object. */
  static boolean looksLikeJson(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!Character.isWhitespace(c)) return c == '{';
    }
    return false;
  }

  Optional<Node> read(String text) {
    try (JsonParser p = FACTORY.createParser(text)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        problems.error(new Pos(file, 1, 1), "the file is empty: expected a mapping with hosts, networks and vms");
        return Optional.empty();
      }
      Node root = value(p, t);
      if (p.nextToken() != null) {
        problems.error(pos(p.currentTokenLocation()), "only one JSON value is allowed per inventory");
      }
      return Optional.of(root);
    } catch (JsonParseException e) {
      JsonLocation at = e.getLocation();
      problems.error(at == null ? new Pos(file, 1, 1) : pos(at), "JSON syntax: %s", e.getOriginalMessage());
      return Optional.empty();
    } catch (IOException e) {
      problems.error(new Pos(file, 1, 1), "JSON: %s", e.getMessage());
      return Optional.empty();
    }
  }

  private Node value(JsonParser p, JsonToken t) throws IOException {
    Pos at = pos(p.currentTokenLocation());
    return switch (t) {
      case START_OBJECT -> {
        var entries = new ArrayList<Node.Entry>();
        var firstAt = new HashMap<String, Pos>();
        JsonToken k;
        while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
          var key = new Node.Scalar(pos(p.currentTokenLocation()), p.currentName(), "str");
          Node v = value(p, p.nextToken());
          Pos first = firstAt.putIfAbsent(key.value(), key.pos());
          if (first != null) {
            problems.error(key.pos(), "duplicate key '%s' (first defined at line %d)", key.value(), first.line());
          } else {
            entries.add(new Node.Entry(key, v));
          }
        }
        yield new Node.Mapping(at, List.copyOf(entries));
      }
      case START_ARRAY -> {
        var items = new ArrayList<Node>();
        JsonToken i;
        while ((i = p.nextToken()) != JsonToken.END_ARRAY) items.add(value(p, i));
        yield new Node.Sequence(at, List.copyOf(items));
      }
      case VALUE_STRING -> new Node.Scalar(at, p.getText(), "str");
      case VALUE_NUMBER_INT -> new Node.Scalar(at, p.getText(), "int");
      case VALUE_NUMBER_FLOAT -> new Node.Scalar(at, p.getText(), "float");
      case VALUE_TRUE, VALUE_FALSE -> new Node.Scalar(at, p.getText(), "bool");
      case VALUE_NULL -> new Node.Scalar(at, "", "null");
      default -> throw new JsonParseException(p, "unexpected " + t);
    };
  }

  private Pos pos(JsonLocation l) {
    return new Pos(file, Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
  }
}
