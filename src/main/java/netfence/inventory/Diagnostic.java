package netfence.inventory;

/** One problem found in an inventory, printed as {@code FILE:LINE:COL: error: MESSAGE}. */
public record Diagnostic(Pos pos, Severity severity, String message) implements Comparable<Diagnostic> {
  /** How bad a diagnostic is: errors stop everything, warnings do not. */
  public enum Severity {
    ERROR, WARNING;

    @Override
    public String toString() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  @Override
  public String toString() {
    return pos + ": " + severity + ": " + message;
  }

  @Override
  public int compareTo(Diagnostic o) {
    int c = pos.compareTo(o.pos);
    return c != 0 ? c : message.compareTo(o.message);
  }
}
