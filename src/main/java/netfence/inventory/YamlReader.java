package netfence.inventory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Parses YAML 1.2 (core schema) into a {@link Node} tree that keeps every
 * node's position. Syntax errors, duplicate keys, non-scalar keys and
 * multi-document streams are reported, not thrown.
 */
final class YamlReader {
  private final String file;
  private final Problems problems;

  YamlReader(String file, Problems problems) {
    this.file = file;
    this.problems = problems;
  }

  /** The document's root node, or empty when the text has none or is broken. */
  Optional<Node> read(String text) {
    var settings = LoadSettings.builder()
        .setLabel(file)
        .setSchema(new CoreSchema())
        .setAllowRecursiveKeys(false)
        .setMaxAliasesForCollections(50)
        .setCodePointLimit(64 * 1024 * 1024)
        .build();
    try {
      var docs = new ArrayList<org.snakeyaml.engine.v2.nodes.Node>();
      new Compose(settings).composeAllFromString(text).forEach(docs::add);
      if (docs.isEmpty()) {
        problems.error(new Pos(file, 1, 1), "the file is empty: expected a mapping with hosts, networks and vms");
        return Optional.empty();
      }
      if (docs.size() > 1) {
        problems.error(pos(docs.get(1)), "only one YAML document is allowed per inventory");
      }
      // Aliases are the same node object: an identity map (snakeyaml nodes have a deep equals).
      return Optional.of(convert(docs.getFirst(), new java.util.IdentityHashMap<>()));
    } catch (MarkedYamlEngineException e) {
      Pos at = e.getProblemMark().map(this::pos).orElse(new Pos(file, 1, 1));
      problems.error(at, "YAML syntax: %s", e.getProblem().strip());
      return Optional.empty();
    } catch (YamlEngineException e) {
      problems.error(new Pos(file, 1, 1), "YAML: %s", e.getMessage().strip());
      return Optional.empty();
    }
  }

  private Node convert(org.snakeyaml.engine.v2.nodes.Node n, Map<org.snakeyaml.engine.v2.nodes.Node, Node> seen) {
    boolean anchored = n.getAnchor().isPresent();
    if (anchored) {
      Node done = seen.get(n);
      if (done != null) return done; // an alias: the same subtree again
    }
    Node out = switch (n) {
      case ScalarNode s -> new Node.Scalar(pos(s), s.getValue(), type(s));
      case SequenceNode s -> {
        var items = new ArrayList<Node>();
        for (var item : s.getValue()) items.add(convert(item, seen));
        yield new Node.Sequence(pos(s), List.copyOf(items));
      }
      case MappingNode m -> mapping(m, seen);
      default -> throw new IllegalStateException("unexpected YAML node " + n.getNodeType());
    };
    if (anchored) seen.put(n, out); // only anchored nodes can be aliased
    return out;
  }

  private Node mapping(MappingNode m, Map<org.snakeyaml.engine.v2.nodes.Node, Node> seen) {
    var entries = new ArrayList<Node.Entry>();
    var firstAt = new HashMap<String, Pos>();
    for (NodeTuple t : m.getValue()) {
      if (!(t.getKeyNode() instanceof ScalarNode k)) {
        problems.error(pos(t.getKeyNode()), "a key must be a plain name, not a list or mapping");
        continue;
      }
      var key = new Node.Scalar(pos(k), k.getValue(), type(k));
      Pos first = firstAt.putIfAbsent(key.value(), key.pos());
      if (first != null) {
        problems.error(key.pos(), "duplicate key '%s' (first defined at line %d)", key.value(), first.line());
        continue;
      }
      entries.add(new Node.Entry(key, convert(t.getValueNode(), seen)));
    }
    return new Node.Mapping(pos(m), List.copyOf(entries));
  }

  private static String type(ScalarNode s) {
    String tag = s.getTag().getValue();
    int colon = tag.lastIndexOf(':');
    return colon >= 0 ? tag.substring(colon + 1) : tag;
  }

  private Pos pos(org.snakeyaml.engine.v2.nodes.Node n) {
    return n.getStartMark().map(this::pos).orElse(new Pos(file, 1, 1));
  }

  private Pos pos(Mark m) {
    return new Pos(file, m.getLine() + 1, m.getColumn() + 1);
  }
}
