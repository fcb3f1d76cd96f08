package netfence.inventory;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects diagnostics while an inventory is read, so the user sees every
 * problem at once rather than the first one.
 */
public final class Problems {
  private final List<Diagnostic> all = new ArrayList<>();

  void error(Pos pos, String format, Object... args) {
    all.add(new Diagnostic(pos, Diagnostic.Severity.ERROR, args.length == 0 ? format : format.formatted(args)));
  }

  void warning(Pos pos, String format, Object... args) {
    all.add(new Diagnostic(pos, Diagnostic.Severity.WARNING, args.length == 0 ? format : format.formatted(args)));
  }

  /** True when at least one error (not warning) was reported. */
  public boolean hasErrors() {
    return all.stream().anyMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
  }

  /** Every diagnostic, sorted by position, duplicates removed. */
  public List<Diagnostic> sorted() {
    return all.stream().distinct().sorted().toList();
  }
}
