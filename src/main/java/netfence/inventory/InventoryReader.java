package netfence.inventory;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    var problems = new Problems();
    Optional<Inventory> inv = Optional.empty();
    if (text.isBlank()) {
      problems.error(new Pos(name, 1, 1), "the file is empty: expected a mapping with hosts, networks and vms");
    } else {
      Optional<Node> root = new YamlReader(name, problems).read(text);
      if (root.isPresent() && !problems.hasErrors()) {
        inv = new InventoryDecoder(problems).decode(root.get());
      } else if (root.isPresent()) {
        // Duplicate keys were reported; still decode so every other problem is reported too.
        new InventoryDecoder(problems).decode(root.get());
      }
    }
    return new Result(problems.hasErrors() ? Optional.empty() : inv, problems.sorted());
  }

  private static Result failure(String name, String message) {
    var problems = new Problems();
    problems.error(new Pos(name, 1, 1), message);
    return new Result(Optional.empty(), problems.sorted());
  }
}
