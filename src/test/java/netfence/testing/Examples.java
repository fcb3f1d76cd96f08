package netfence.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import netfence.inventory.InventoryReader;
import netfence.model.Inventory;

/** The bundled example inventories, for tests that run over every one. */
public final class Examples {
  private Examples() {}

  public static List<Path> all() {
    try (Stream<Path> s = Files.list(Path.of("examples"))) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static Inventory load(Path p) {
    var r = InventoryReader.read(p);
    if (!r.ok()) throw new AssertionError("example " + p + " is invalid: " + r.diagnostics());
    return r.inventory().orElseThrow();
  }

  /** The example's name without directory and extension, e.g. {@code uncloud-bridge}. */
  public static String name(Path p) {
    String f = p.getFileName().toString();
    return f.substring(0, f.length() - ".yaml".length());
  }
}
