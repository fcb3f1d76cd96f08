package netfence.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import netfence.dataplane.Exec;

/**
 * For tests on the real kernel (tagged {@code kernel}): they need root and
 * the tools. In CI both are there, so a missing tool fails the test; on a
 * developer's machine without root they are skipped with a reason.
 */
public final class Kernel {
  private Kernel() {}

  public static void require(String... tools) {
    boolean ci = System.getenv("CI") != null;
    boolean root = "root".equals(System.getProperty("user.name"));
    if (!ci) assumeTrue(root, "needs root for network namespaces");
    for (String t : tools) {
      var r = Exec.run(List.of("sh", "-c", "command -v " + t));
      if (ci && !r.ok()) throw new AssertionError("CI lacks " + t + ": .ci/run must install it");
      assumeTrue(r.ok(), "needs " + t);
    }
  }
}
