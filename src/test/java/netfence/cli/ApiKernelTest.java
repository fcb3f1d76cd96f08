package netfence.cli;

import static netfence.cli.ServeKernelTest.awaitTrue;
import static netfence.cli.ServeKernelTest.reachable;
import static netfence.cli.ServeKernelTest.stop;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import netfence.api.ApiClient;
import netfence.dataplane.Netns;
import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API of a real {@code netfence serve} enforcing a network namespace (issues 9, 10 and 11):
 * the libvirt hook script as libvirt runs it (one curl request) with a domain that also has an
 * interface netfence does not manage; {@code ?wait=applied} answered once the set elements are in
 * the kernel; the change feed resumed from a revision through the CLI; a second service refused
 * on the live socket before it touches anything.
 */
@Tag("kernel")
class ApiKernelTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void theHookTheWaitAndTheFeedAgainstARealService() throws Exception {
    Kernel.require("nft", "ip", "curl");
    Path socket = dir.resolve("netfence.sock");
    try (var host = Netns.create("nfa-host"); var vm = Netns.create("nfa-vm")) {
      Process serve = serve(host, dir.resolve("state"), socket);
      try {
        awaitTrue(() -> Files.exists(socket) && reachable(socket), "the service answers");
        try (var api = ApiClient.unixSocket(socket)) {
          long start = api.status().revision();

          // The hook: a domain on the guarded bridge br100, and on libvirt's NAT network, which is left alone.
          String domain = """
              <domain type='kvm'>
                <name>guest</name>
                <devices>
                  <interface type='bridge'>
                    <mac address='52:54:00:0a:fa:01'/><source bridge='br100'/><target dev='nfatap1'/>
                    <filterref filter='clean-traffic'><parameter name='IP' value='198.51.100.77'/></filterref>
                  </interface>
                  <interface type='network'><mac address='52:54:00:0a:fa:02'/><source network='default'/></interface>
                </devices>
              </domain>
              """;
          var hook = ContribTest.hook(dir, "guest", "prepare", domain, java.util.Map.of("NETFENCE_SOCKET", socket.toString()));
          String said = hook.err();
          assertThat(hook.code()).as(said).isZero();
          JsonNode answer = JSON.readTree(said.lines().findFirst().orElseThrow());
          assertThat(answer.path("applied").asBoolean()).as("the hook's answer comes once the agent acted on it: " + said).isTrue();
          assertThat(answer.at("/agent/interfaces/0/tap").asText()).isEqualTo("nfatap1");
          assertThat(answer.at("/agent/interfaces/0/state").asText()).isEqualTo("PENDING");
          assertThat(answer.at("/unmanaged/0/type").asText()).isEqualTo("network");
          // Its filter is in the kernel before the tap exists; the NAT interface's MAC is nowhere.
          String ports = host.exec("nft", "list", "set", "bridge", "netfence", "port_mac").stdout();
          assertThat(ports).contains("nfatap1").contains("52:54:00:0a:fa:01").doesNotContain("52:54:00:0a:fa:02");
          assertThat(Files.readString(dir.resolve("serve.log"))).contains("domain guest: interface 1 (type 'network'").contains("left alone");
          // libvirt creates the tap; the agent configures it.
          host.exec("ip", "link", "add", "nfatap1", "type", "veth", "peer", "name", "eth0", "netns", vm.name()).orThrow();
          host.exec("ip", "link", "set", "nfatap1", "up").orThrow();
          awaitTrue(() -> "APPLIED".equals(state(api, "guest")), "the tap is applied");

          // ?wait=applied through the API: answered once the agent has the new VM's elements in the kernel.
          var put = api.send("PUT", "/v1/vms/waiter?wait=applied&timeout=20s",
              "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br100\", \"tap\": \"nfatap2\"}]}");
          assertThat(put.status()).as(put.body()).isEqualTo(201);
          JsonNode waited = JSON.readTree(put.body());
          assertThat(waited.path("applied").asBoolean()).isTrue();
          assertThat(waited.at("/agent/appliedRevision").asLong()).isGreaterThanOrEqualTo(waited.path("revision").asLong());
          assertThat(host.exec("nft", "list", "set", "bridge", "netfence", "port_mac").stdout()).contains("nfatap2");

          // The feed, resumed from the revision before the hook, over the socket through the CLI.
          var events = VmCommandTest.run("events", "--since", Long.toString(start), "--count", "2", "--socket", socket.toString());
          assertThat(events.code()).as(events.err()).isZero();
          assertThat(events.out().lines().toList()).containsExactly((start + 1) + " put vms/guest", (start + 2) + " put vms/waiter");
          assertThat(api.send("GET", "/metrics", null).body()).contains("netfence_api_requests_total{code=\"201\"} 2");
        }

        // A second service on the same socket, with its own state: refused before it opens a store or applies anything.
        String before = host.exec("nft", "list", "ruleset").stdout();
        Process second = serve(host, dir.resolve("state2"), socket);
        assertThat(second.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("serve.log"))).contains("another process answers on " + socket);
        assertThat(dir.resolve("state2")).doesNotExist();
        assertThat(host.exec("nft", "list", "ruleset").stdout()).isEqualTo(before);
        assertThat(reachable(socket)).as("the first service still answers").isTrue();
      } finally {
        stop(serve);
      }
    }
  }

  private static String state(ApiClient api, String vm) {
    try {
      return api.status().agent().interfaces().stream().filter(i -> i.vm().equals(vm)).map(i -> i.state()).findFirst().orElse("");
    } catch (Exception e) {
      return "";
    }
  }

  /** {@code netfence serve} in {@code host}; its output is appended to serve.log. */
  private Process serve(Netns host, Path state, Path socket) throws Exception {
    var cmd = new ArrayList<>(List.of("ip", "netns", "exec", host.name(), ProcessHandle.current().info().command().orElse("java"),
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "netfence.cli.Main", "serve",
        "--state-dir", state.toString(), "--inventory", "examples/uncloud-bridge.yaml",
        "--socket", socket.toString(), "--host", "hv1", "--resync", "3600"));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("serve.log").toFile())).start();
  }
}
