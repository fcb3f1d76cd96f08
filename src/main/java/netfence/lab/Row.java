package netfence.lab;

import java.util.Optional;
import netfence.verify.Case;
import netfence.verify.Matrix;

/**
 * One line of the lab's matrix: a case, what was observed, and whether that is right.
 *
 * @param note how it was observed when not by capture, or what was wrong with what arrived
 */
record Row(String host, Case c, Seen seen, Optional<String> note) {
  /** What the lab saw of the packet. */
  enum Seen {
    PASSED, BLOCKED,
    /** Arrived at the internet with a source other than the NAT address. */
    PASSED_UNNATED;

    String text() {
      return switch (this) {
        case PASSED -> "passed";
        case BLOCKED -> "blocked";
        case PASSED_UNNATED -> "passed, not NATed";
      };
    }
  }

  /** As a row of the matrix verify prints too. */
  Matrix.Row toMatrix() {
    String evidence = note.orElse(seen == Seen.BLOCKED ? "not captured at " + c.observer() : "captured at " + c.observer());
    return new Matrix.Row(c, seen != Seen.BLOCKED, evidence, seen == Seen.PASSED_UNNATED);
  }
}
