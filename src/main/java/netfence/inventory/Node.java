package netfence.inventory;

import java.util.List;
import java.util.Optional;

/** A YAML node with its position: the tree the decoder walks. */
sealed interface Node {
  Pos pos();

  /** Says what kind of node this is, for "expected X, found Y" messages. */
  String kind();

  /** A mapping; keys are scalars, in document order, duplicates already reported. */
  record Mapping(Pos pos, List<Entry> entries) implements Node {
    public String kind() {
      return "a mapping";
    }

    Optional<Entry> get(String key) {
      // A loop, not a stream: this runs several times per VM, and a pipeline per call was
      // the largest allocation of a 100,000-VM compile.
      for (Entry e : entries) {
        if (e.key().value().equals(key)) return Optional.of(e);
      }
      return Optional.empty();
    }
  }

  /** One key/value pair of a mapping. */
  record Entry(Scalar key, Node value) {}

  /** A sequence. */
  record Sequence(Pos pos, List<Node> items) implements Node {
    public String kind() {
      return "a list";
    }
  }

  /**
   * A scalar with the type YAML 1.2's core schema resolved for it: {@code str},
   * {@code int}, {@code bool}, {@code float} or {@code null}.
   */
  record Scalar(Pos pos, String value, String type) implements Node {
    public String kind() {
      return switch (type) {
        case "str" -> "a string";
        case "int" -> "an integer";
        case "bool" -> "a boolean";
        case "null" -> "nothing (null)";
        default -> "a " + type;
      };
    }
  }
}
