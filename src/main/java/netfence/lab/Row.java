package netfence.lab;

import java.util.Optional;
import netfence.verify.Case;

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

  /** Whether the observation matches the expectation. */
  enum Verdict {
    OK, LEAK, FALSE_DROP;

    String text() {
      return this == FALSE_DROP ? "FALSE DROP" : name();
    }
  }

  Verdict verdict() {
    if (seen == Seen.PASSED_UNNATED) return Verdict.LEAK; // the VM's private source got out
    boolean passed = seen == Seen.PASSED;
    if (c.expect() == Case.Expect.PASS) return passed ? Verdict.OK : Verdict.FALSE_DROP;
    return passed ? Verdict.LEAK : Verdict.OK;
  }
}
