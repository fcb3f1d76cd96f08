package netfence.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import netfence.api.AgentView;
import netfence.api.ApiServer;
import netfence.api.Listen;
import netfence.state.StateService;
import netfence.store.Kind;
import netfence.store.SqliteStore;
import netfence.dataplane.Exec;
import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped systemd unit and libvirt hook, checked by systemd, sh and curl themselves. */
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
    assertThat(hook("web", "stopped", "", Map.of("NETFENCE_SOCKET", dir.resolve("none.sock").toString())).code()).isZero();
    var prepare = hook("web", "prepare", "<domain/>", Map.of("NETFENCE_SOCKET", dir.resolve("none.sock").toString(), "NETFENCE_WAIT", "0"));
    assertThat(prepare.code()).as("no service: the hook fails, so libvirt does not start the domain").isNotZero();
    assertThat(prepare.err()).contains("no service answers on");
  }

  /**
   * The real hook script, as libvirt runs it, against a running API: one request with curl, no JVM.
   * Issues 9 and 11: an interface netfence does not manage is left alone, or refused with
   * NETFENCE_UNMANAGED=error; a refused VM fails the hook.
   */
  @Test
  void theLibvirtHookPutsTheDomainsVmWithOneCurlRequest() throws Exception {
    Kernel.require("curl");
    Path socket = dir.resolve("api.sock");
    String domain = """
        <domain type='kvm'>
          <name>web</name>
          <devices>
            <interface type='bridge'><mac address='52:54:00:aa:bb:01'/><source bridge='br0'/><target dev='vnet7'/></interface>
            <interface type='network'><mac address='52:54:00:aa:bb:02'/><source network='default'/></interface>
          </devices>
        </domain>
        """;
    try (var sqlite = SqliteStore.open(dir.resolve("state")); var state = StateService.open(sqlite, System.err::println)) {
      state.importInventory("inv.yaml", "hosts: {hv1: {}}\nnetworks: {br: {mode: bridged, bridge: br0, ipv4: 10.2.0.0/24}}\nvms: {}\n");
      try (var server = ApiServer.start(state, List.of(new Listen.UnixSocket(socket)), AgentView.NONE)) {
        var env = Map.of("NETFENCE_SOCKET", socket.toString());
        var strict = hook("web", "prepare", domain, Map.of("NETFENCE_SOCKET", socket.toString(), "NETFENCE_UNMANAGED", "error"));
        assertThat(strict.code()).as(strict.err()).isEqualTo(1);
        assertThat(strict.err()).contains("interface 1 (type 'network'").contains("domain web refused (HTTP 422)");
        assertThat(state.get(Kind.VMS, "web")).isEmpty();

        var ok = hook("web", "prepare", domain, env);
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.err()).contains("\"unmanaged\":[{\"interface\":1,\"type\":\"network\"");
        assertThat(state.get(Kind.VMS, "web").orElseThrow()).contains("vnet7").contains("52:54:00:aa:bb:01").doesNotContain("bb:02");

        var clash = hook("copy", "prepare", domain.replace("<name>web", "<name>copy").replace("vnet7", "vnet8"), env);
        assertThat(clash.code()).as("a refused VM fails the hook: fail closed").isEqualTo(1);
        assertThat(clash.err()).contains("52:54:00:aa:bb:01").contains("HTTP 422");
        assertThat(state.get(Kind.VMS, "copy")).isEmpty();
      }
    }
  }

  record Hook(int code, String err) {}

  /** Runs contrib/libvirt/qemu as libvirt does: the domain XML on stdin; no /etc/default/netfence but {@code env}. */
  private Hook hook(String domain, String operation, String xml, Map<String, String> env) throws Exception {
    return hook(dir, domain, operation, xml, env);
  }

  /** The same, with {@code dir} for the (absent) defaults file; for the tests on the kernel too. */
  static Hook hook(Path dir, String domain, String operation, String xml, Map<String, String> env) throws Exception {
    var pb = new ProcessBuilder("sh", "contrib/libvirt/qemu", domain, operation, "begin", "-");
    pb.environment().put("NETFENCE_HOST", "hv1");
    pb.environment().put("NETFENCE_DEFAULTS", dir.resolve("no-defaults").toString());
    pb.environment().putAll(env);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    var p = pb.start();
    try (var in = p.getOutputStream()) {
      in.write(xml.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    return new Hook(p.waitFor(), err);
  }
}
