package netfence.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import netfence.dataplane.Exec;
import netfence.testing.Examples;
import netfence.testing.Kernel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Tag("kernel")
class LabCommandTest {
  @BeforeEach
  void kernel() {
    Kernel.require("ip", "nft", "python3");
  }

  @ParameterizedTest
  @MethodSource("netfence.testing.Examples#all")
  void everyExampleHasNoLeakAndNoFalseDrop(Path example) {
    var out = new StringWriter();
    var err = new StringWriter();
    int code = Main.run(new String[] {"lab", example.toString()}, new PrintWriter(out), new PrintWriter(err));
    assertThat(code).as(out + "\n" + err).isZero();
    assertThat(out.toString()).containsPattern("(?m)^(\\d+) cases: \\1 ok, 0 leaks, 0 false drops$");
    assertThat(out.toString()).doesNotContain("LEAK", "FALSE DROP");
    assertThat(labNamespaces()).isEmpty();
  }

  @Test
  void ctrlCTearsEverythingDown() throws Exception {
    var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(), "lab",
        "examples/inventory.yaml").redirectErrorStream(true).start();
    try {
      // Interrupt as soon as the lab has built something.
      while (labNamespaces().isEmpty() && p.isAlive()) Thread.sleep(10);
      assertThat(p.isAlive()).as("the lab was still running when interrupted").isTrue();
      Exec.run(List.of("kill", "-INT", Long.toString(p.pid()))).orThrow();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isNotZero();
      assertThat(labNamespaces()).isEmpty();
    } finally {
      p.destroyForcibly();
    }
  }

  private static List<String> labNamespaces() {
    return Exec.run(List.of("ip", "netns", "list")).orThrow().stdout().lines()
        .map(l -> l.split(" ", 2)[0]).filter(n -> n.startsWith("nfl-")).toList();
  }
}
