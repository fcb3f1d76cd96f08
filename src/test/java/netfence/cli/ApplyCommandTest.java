package netfence.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code netfence apply}'s exit codes for what is wrong before the kernel is touched. */
class ApplyCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void unknownHostFailsWithTheHostsThereAre() {
    assertThat(run("apply", "examples/uncloud-bridge.yaml", "--host", "nosuch", "--dry-run")).isEqualTo(Main.FAILED);
    assertThat(err.toString()).contains("host 'nosuch' is not in the inventory (hosts: hv1)");
  }

  @Test
  void hostIsRequired() {
    assertThat(run("apply", "examples/uncloud-bridge.yaml")).isEqualTo(Main.USAGE);
    assertThat(err.toString()).contains("--host");
  }
}
