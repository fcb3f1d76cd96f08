package netfence.verify;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The table {@code verify} and {@code lab} print: per case what was
 * expected, what happened, and what decided it; then the count of leaks
 * (an attack that passed) and false drops (legitimate traffic dropped).
 */
public final class Matrix {
  /**
   * One case's outcome; {@code evidence} is the deciding rule (verify) or what the capture saw (lab).
   * {@code sourceLeaked}: it got out, but with the VM's own source where NAT should have replaced it.
   */
  public record Row(Case c, boolean passed, String evidence, boolean sourceLeaked) {
    public Row(Case c, boolean passed, String evidence) {
      this(c, passed, evidence, false);
    }

    public Status status() {
      if (sourceLeaked) return Status.LEAK;
      boolean expected = c.expect() == Case.Expect.PASS;
      if (expected == passed) return Status.OK;
      return expected ? Status.FALSE_DROP : Status.LEAK;
    }
  }

  /** How a row compares with its expectation. */
  public enum Status {
    OK("ok"), LEAK("LEAK"), FALSE_DROP("FALSE DROP");

    private final String label;

    Status(String label) {
      this.label = label;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  private final List<Row> rows = new ArrayList<>();

  public void add(Row r) {
    rows.add(r);
  }

  public void addAll(Matrix other) {
    rows.addAll(other.rows);
  }

  public List<Row> rows() {
    return List.copyOf(rows);
  }

  public long count(Status s) {
    return rows.stream().filter(r -> r.status() == s).count();
  }

  public boolean clean() {
    return count(Status.LEAK) == 0 && count(Status.FALSE_DROP) == 0;
  }

  /** The summary line, e.g. {@code 87 cases: 87 ok, 0 leaks, 0 false drops}. */
  public String summary() {
    return "%d cases: %d ok, %d leaks, %d false drops".formatted(rows.size(), count(Status.OK), count(Status.LEAK), count(Status.FALSE_DROP));
  }

  public void print(PrintWriter out) {
    int vmWidth = Math.max(4, rows.stream().mapToInt(r -> r.c().vm().length()).max().orElse(4));
    int caseWidth = Math.max(4, rows.stream().mapToInt(r -> r.c().name().length()).max().orElse(4));
    String fmt = "%-" + vmWidth + "s  %-" + caseWidth + "s  %-6s  %-17s  %-10s  %s%n";
    out.printf(fmt, "FROM", "CASE", "EXPECT", "RESULT", "STATUS", "EVIDENCE");
    for (var r : rows) {
      out.printf(fmt, r.c().vm(), r.c().name(), r.c().expect() == Case.Expect.PASS ? "pass" : "block",
          r.sourceLeaked() ? "passed, not NATed" : r.passed() ? "passed" : "blocked", r.status(), r.evidence());
    }
    out.println(summary());
    out.flush();
  }
}
