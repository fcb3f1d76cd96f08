package netfence.inventory;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import netfence.model.Inventory;

/**
 * Reads and validates an inventory.
 *
 * <pre>{@code
 * var result = InventoryReader.read(Path.of("inventory.yaml"));
 * result.diagnostics().forEach(System.err::println);
 * result.inventory().ifPresent(inv -> ...);   // present only when there is no error
 * }</pre>
 */
public final class InventoryReader {
  private InventoryReader() {}

  /** The outcome: a model when valid, and every diagnostic (errors and warnings) in position order. */
  public record Result(Optional<Inventory> inventory, List<Diagnostic> diagnostics) {
    public boolean ok() {
      return inventory.isPresent();
    }
  }

  public static Result read(Path file) {
    String name = file.toString();
    try {
      byte[] bytes = Files.readAllBytes(file);
      String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
      return parse(name, text);
    } catch (CharacterCodingException e) {
      return failure(name, "the file is not valid UTF-8");
    } catch (IOException e) {
      return failure(name, "cannot read: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }
  }

  /** Parses inventory text; {@code name} is what positions call the source. */
  public static Result parse(String name, String text) {
    return parseTree(name, text, null);
  }

  /**
   * A file's objects as a store keeps them: per inventory key ({@code hosts}, {@code networks},
   * {@code vms}) each object's body in canonical form ({@link Bodies}), in document order;
   * present only when the file is valid.
   */
  public record Objects(Result result, Map<String, Map<String, String>> bodies) {}

  /** Parses and validates like {@link #parse}, and splits a valid file into its objects. */
  public static Objects objects(String name, String text) {
    var root = new Node[1];
    Result r = parseTree(name, text, root);
    var bodies = new LinkedHashMap<String, Map<String, String>>();
    if (r.ok() && root[0] instanceof Node.Mapping top) {
      for (String kind : List.of("hosts", "networks", "vms")) {
        var objects = new LinkedHashMap<String, String>();
        top.get(kind).ifPresent(e -> {
          if (e.value() instanceof Node.Mapping m) {
            for (var o : m.entries()) objects.put(o.key().value(), Bodies.canonical(o.value()));
          }
        });
        bodies.put(kind, objects);
      }
    }
    return new Objects(r, bodies);
  }

  private static Result parseTree(String name, String text, Node[] rootOut) {
    var problems = new Problems();
    Optional<Inventory> inv = Optional.empty();
    if (text.isBlank()) {
      problems.error(new Pos(name, 1, 1), "the file is empty: expected a mapping with hosts, networks and vms");
    } else {
      // JSON is YAML 1.2; large machine-written inventories and API bodies take the fast path.
      Optional<Node> root = JsonReader.looksLikeJson(text) ? new JsonReader(name, problems).read(text) : new YamlReader(name, problems).read(text);
      if (rootOut != null) rootOut[0] = root.orElse(null);
      if (root.isPresent() && !problems.hasErrors()) {
        inv = new InventoryDecoder(problems).decode(root.get());
      } else if (root.isPresent()) {
        // Duplicate keys were reported; still decode so every other problem is reported too.
        new InventoryDecoder(problems).decode(root.get());
      }
    }
    return new Result(problems.hasErrors() ? Optional.empty() : inv, problems.sorted());
  }

  /**
   * One object of an inventory kept on its own, e.g. a row of the store or an
   * API request body: {@code kind} is {@code hosts}, {@code networks} or
   * {@code vms}; {@code source} names it in diagnostics ({@code request},
   * {@code store:vms/web}); {@code body} is its JSON or YAML mapping.
   */
  public record Fragment(String kind, String name, String source, String body) {}

  /**
   * Validates an inventory assembled from fragments, exactly as {@link #parse}
   * validates a file: every error is reported, at its position in the
   * fragment it comes from.
   */
  public static Result fromFragments(List<Fragment> fragments) {
    var problems = new Problems();
    var byKind = new java.util.LinkedHashMap<String, List<Node.Entry>>();
    for (String kind : List.of("hosts", "networks", "vms")) byKind.put(kind, new java.util.ArrayList<>());
    for (var f : fragments) {
      var list = byKind.get(f.kind());
      if (list == null) throw new IllegalArgumentException("kind (" + f.kind() + ") must be hosts, networks or vms");
      String body = f.body().isBlank() ? "{}" : f.body();
      Optional<Node> node = JsonReader.looksLikeJson(body) ? new JsonReader(f.source(), problems).read(body)
          : new YamlReader(f.source(), problems).read(body);
      Pos at = new Pos(f.source(), 1, 1);
      node.ifPresent(n -> list.add(new Node.Entry(new Node.Scalar(at, f.name(), "str"), n)));
    }
    Pos top = new Pos("(inventory)", 1, 1);
    var entries = new java.util.ArrayList<Node.Entry>();
    byKind.forEach((kind, list) -> entries.add(new Node.Entry(new Node.Scalar(top, kind, "str"), new Node.Mapping(top, List.copyOf(list)))));
    Optional<Inventory> inv = new InventoryDecoder(problems).decode(new Node.Mapping(top, List.copyOf(entries)));
    return new Result(problems.hasErrors() ? Optional.empty() : inv, problems.sorted());
  }

  private static Result failure(String name, String message) {
    var problems = new Problems();
    problems.error(new Pos(name, 1, 1), message);
    return new Result(Optional.empty(), problems.sorted());
  }
}
