package netfence.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import netfence.api.ApiClient;
import netfence.dataplane.Netns;
import netfence.dataplane.NftSession;
import netfence.inventory.InventoryReader;
import netfence.policy.HostPolicy;
import netfence.testing.Kernel;
import netfence.verify.Cases;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service on the real kernel, as issue 5 asks: {@code netfence serve} in a network namespace
 * with its embedded store; VMs created through the API; their taps created afterwards; the attack
 * matrix holds for them; a deleted VM's allowlist entries are gone; a restart loses nothing and
 * re-applies nothing (a per-VM drop counter survives it, which a reload would reset).
 */
@Tag("kernel")
class ServeKernelTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void vmsCreatedThroughTheApiAreEnforcedOnceTheirTapsAppearAndSurviveARestart() throws Exception {
    Kernel.require("nft", "ip", "python3");
    Path socket = dir.resolve("netfence.sock");
    try (var host = Netns.create("nfsv-host"); var vm = Netns.create("nfsv-vm")) {
      Process serve = serve(host, socket);
      try {
        awaitTrue(() -> Files.exists(socket), "the socket appears");
        try (var api = ApiClient.unixSocket(socket)) {
          // A VM created through the API, without index, tap, MAC or address: all allocated.
          var created = api.send("PUT", "/v1/vms/web", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br100\"}]}");
          assertThat(created.status()).as(created.body()).isEqualTo(201);
          JsonNode body = JSON.readTree(api.send("GET", "/v1/vms/web", null).body());
          String tap = body.at("/body/interfaces/0/tap").asText();
          String mac = body.at("/body/interfaces/0/mac").asText();
          assertThat(interfaceState(api, "web")).isEqualTo("PENDING");

          // The hypervisor creates the tap afterwards.
          host.exec("ip", "link", "add", tap, "type", "veth", "peer", "name", "eth0", "netns", vm.name()).orThrow();
          vm.exec("ip", "link", "set", "eth0", "address", mac, "up").orThrow();
          host.exec("ip", "link", "set", tap, "up").orThrow();
          awaitTrue(() -> "APPLIED".equals(interfaceState(api, "web")), "the tap is configured");
          assertThat(host.exec("ip", "-br", "link", "show", "master", "br100").stdout()).contains(tap);

          // The attack matrix holds for the live ruleset, for every VM of the exported inventory.
          Path exported = dir.resolve("exported.yaml");
          Files.writeString(exported, api.send("GET", "/v1/inventory", null).body());
          var inv = InventoryReader.read(exported).inventory().orElseThrow();
          var policy = HostPolicy.of(inv, "hv1");
          var out = new PrintWriter(new StringWriter());
          try (var nft = NftSession.open(host, out::println)) {
            var tables = LiveTables.read(nft, out);
            var matrix = VerifyCommand.evaluate(tables, policy, LiveTables.withLiveForeignPort(Cases.of(policy), tables, out));
            assertThat(matrix.clean()).as(matrix.summary()).isTrue();
            assertThat(matrix.rows()).anySatisfy(r -> assertThat(r.c().vm()).isEqualTo("web"));
          }

          // A forged source from the VM counts in its own forged_src counter.
          vm.exec(List.of("python3", "-c", forgedFrame(mac)), null).orThrow();
          awaitTrue(() -> drops(api, "web", "forged_src") >= 1, "the VM's forged_src counter counts");

          // A deleted VM's allowlist entries are gone.
          var gone = api.send("PUT", "/v1/vms/old", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br100\", \"tap\": \"oldtap\"}]}");
          assertThat(gone.status()).as(gone.body()).isEqualTo(201);
          awaitTrue(() -> host.exec("nft", "list", "set", "bridge", "netfence", "port_mac").stdout().contains("oldtap"), "old is in");
          assertThat(api.send("DELETE", "/v1/vms/old", null).status()).isEqualTo(200);
          awaitTrue(() -> !host.exec("nft", "list", "table", "bridge", "netfence").stdout().contains("oldtap"), "old is gone");
        }
      } finally {
        stop(serve);
      }

      // Restart: nothing lost, nothing re-applied (the per-VM counter would reset on a reload).
      Process again = serve(host, socket);
      try {
        awaitTrue(() -> Files.exists(socket) && reachable(socket), "the socket is back");
        try (var api = ApiClient.unixSocket(socket)) {
          assertThat(JSON.readTree(api.send("GET", "/v1/vms", null).body()).toString()).contains("web").doesNotContain("\"old\"");
          awaitTrue(() -> "APPLIED".equals(interfaceState(api, "web")), "web is applied again");
          assertThat(drops(api, "web", "forged_src")).isGreaterThanOrEqualTo(1);
        }
      } finally {
        stop(again);
      }
    }
  }

  private Process serve(Netns host, Path socket) throws Exception {
    Files.deleteIfExists(socket);
    var cmd = new ArrayList<>(List.of("ip", "netns", "exec", host.name(), ProcessHandle.current().info().command().orElse("java"),
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "netfence.cli.Main", "serve",
        "--state-dir", dir.resolve("state").toString(), "--inventory", "examples/uncloud-bridge.yaml",
        "--socket", socket.toString(), "--host", "hv1", "--resync", "3600"));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("serve.log").toFile()).start();
  }

  static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
  }

  static boolean reachable(Path socket) {
    try (var api = ApiClient.unixSocket(socket)) {
      return api.send("GET", "/v1/status", null).status() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  private static JsonNode interfaceOf(ApiClient api, String vm) throws Exception {
    for (JsonNode i : JSON.readTree(api.send("GET", "/v1/status", null).body()).path("agent").path("interfaces")) {
      if (i.path("vm").asText().equals(vm)) return i;
    }
    return JSON.nullNode();
  }

  private static String interfaceState(ApiClient api, String vm) {
    try {
      return interfaceOf(api, vm).path("state").asText();
    } catch (Exception e) {
      return "";
    }
  }

  private static long drops(ApiClient api, String vm, String reason) {
    try {
      return interfaceOf(api, vm).path("drops").path(reason).asLong();
    } catch (Exception e) {
      return -1;
    }
  }

  /** A UDP frame from the VM's own MAC with a source address nobody has. */
  private static String forgedFrame(String mac) {
    return """
        import socket, struct
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("eth0", 0))
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0, bytes([198, 51, 100, 99]), bytes([198, 51, 100, 255]))
        f = bytes.fromhex("ffffffffffff" + "%s".replace(":", "")) + b"\\x08\\x00" + ip + struct.pack("!HHHH", 40000, 9, 8, 0)
        s.send(f + bytes(60 - len(f)))
        """.formatted(mac);
  }

  /** Waits for a condition; ten seconds is a liveness bound, not a performance claim. */
  static void awaitTrue(BooleanSupplier ok, String what) throws InterruptedException {
    long end = System.currentTimeMillis() + 10_000;
    while (!ok.getAsBoolean()) {
      if (System.currentTimeMillis() > end) throw new AssertionError("not within 10 s: " + what);
      Thread.sleep(50);
    }
  }
}
