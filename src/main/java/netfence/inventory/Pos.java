package netfence.inventory;

/** A place in a source: file name, 1-based line and column. */
public record Pos(String file, int line, int column) implements Comparable<Pos> {
  @Override
  public String toString() {
    return file + ":" + line + ":" + column;
  }

  @Override
  public int compareTo(Pos o) {
    int c = file.compareTo(o.file);
    if (c != 0) return c;
    c = Integer.compare(line, o.line);
    return c != 0 ? c : Integer.compare(column, o.column);
  }
}
