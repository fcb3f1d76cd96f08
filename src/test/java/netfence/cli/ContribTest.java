package netfence.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import netfence.dataplane.Exec;
import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped systemd unit and libvirt hook, checked by systemd and sh themselves. */
class ContribTest {
  @TempDir Path dir;

  @Test
  @Tag("kernel")
  void theSystemdUnitPassesSystemdAnalyzeVerify() throws Exception {
    Kernel.require("systemd-analyze");
    // verify checks that ExecStart= is executable: point it at this checkout's launcher.
    String unit = Files.readString(Path.of("contrib/systemd/netfence.service"))
        .replace("/opt/netfence/netfence", Path.of("netfence").toAbsolutePath().toString())
        .replace("EnvironmentFile=/etc/default/netfence", "EnvironmentFile=-/etc/default/netfence");
    Path file = dir.resolve("netfence.service");
    Files.writeString(file, unit);
    var r = Exec.run(List.of("systemd-analyze", "verify", file.toString()));
    String said = (r.stdout() + r.stderr()).lines().filter(l -> !l.contains("libvirtd.service") && !l.isBlank()).toList().toString();
    assertThat(r.exitCode()).as(said).isZero();
    assertThat(said).doesNotContainIgnoringCase("unknown").doesNotContainIgnoringCase("invalid");
  }

  @Test
  void theLibvirtHookIsValidShAndIgnoresOperationsOtherThanPrepare() throws Exception {
    assertThat(Exec.run(List.of("sh", "-n", "contrib/libvirt/qemu")).exitCode()).isZero();
    var env = new ProcessBuilder("sh", "contrib/libvirt/qemu", "web", "stopped", "end", "-");
    env.environment().put("NETFENCE_HOST", "hv1");
    env.environment().put("NETFENCE", "/bin/false");
    assertThat(env.start().waitFor()).isZero();
    var prepare = new ProcessBuilder("sh", "contrib/libvirt/qemu", "web", "prepare", "begin", "-");
    prepare.environment().put("NETFENCE_HOST", "hv1");
    prepare.environment().put("NETFENCE", "/bin/false");
    assertThat(prepare.start().waitFor()).as("a refused VM fails the hook, so libvirt does not start it").isNotZero();
  }
}
