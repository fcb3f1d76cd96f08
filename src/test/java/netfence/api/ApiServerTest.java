package netfence.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import netfence.inventory.InventoryReader;
import netfence.model.Vm;
import netfence.state.StateService;
import netfence.store.SqliteStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

class ApiServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  SqliteStore sqlite;
  StateService store;
  Path socket;
  ApiServer server;
  ApiClient api;

  @BeforeEach
  void start() throws Exception {
    sqlite = SqliteStore.open(dir.resolve("state"));
    store = StateService.open(sqlite, System.err::println);
    socket = dir.resolve("api.sock");
    server = ApiServer.start(store, List.of(new Listen.UnixSocket(socket)), AgentView.NONE);
    api = ApiClient.unixSocket(socket);
    ok(api.send("PUT", "/v1/hosts/hv1", "{}"));
    ok(api.send("PUT", "/v1/networks/br", "{\"mode\": \"bridged\", \"bridge\": \"br0\", \"ipv4\": \"10.2.0.0/16\"}"));
  }

  @AfterEach
  void stop() throws Exception {
    api.close();
    server.close();
    store.close();
    sqlite.close();
  }

  static ApiClient.Reply ok(ApiClient.Reply r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 201);
    return r;
  }

  @Test
  void crudOverTheSocket() throws Exception {
    var created = api.send("PUT", "/v1/vms/web", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
    assertThat(created.status()).isEqualTo(201);
    JsonNode body = JSON.readTree(created.body());
    assertThat(body.path("revision").asLong()).isEqualTo(3);
    assertThat(body.at("/body/index").asInt()).isEqualTo(1);
    assertThat(body.at("/body/interfaces/0/addresses/0").asText()).isEqualTo("10.2.0.1");

    assertThat(JSON.readTree(ok(api.send("GET", "/v1/vms/web", null)).body()).at("/body/interfaces/0/tap").asText()).isEqualTo("vm1");
    assertThat(JSON.readTree(ok(api.send("GET", "/v1/vms", null)).body()).path("vms").has("web")).isTrue();
    assertThat(api.send("PUT", "/v1/vms/web", "{\"host\": \"hv1\", \"index\": 9, \"interfaces\": [{\"network\": \"br\"}]}").status()).isEqualTo(200);
    assertThat(store.inventory().vms()).extracting(Vm::index).containsExactly(9);

    String yaml = ok(api.send("GET", "/v1/inventory", null)).body();
    assertThat(InventoryReader.parse("export.yaml", yaml).ok()).isTrue();
    assertThat(JSON.readTree(ok(api.send("GET", "/v1/status", null)).body()).path("revision").asLong()).isEqualTo(4);
    assertThat(api.send("PUT", "/v1/vms/bad", "{\"host\": \"nohost\", \"interfaces\": [{\"network\": \"br\"}]}").status()).isEqualTo(422);
    assertThat(ok(api.send("GET", "/metrics", null)).body()).contains("netfence_store_revision 4")
        .contains("netfence_store_changes_total{outcome=\"committed\"} 4").contains("netfence_store_changes_total{outcome=\"rejected\"} 1")
        .contains("netfence_api_errors_total 0");

    assertThat(api.send("DELETE", "/v1/vms/web", null).status()).isEqualTo(200);
    assertThat(api.send("GET", "/v1/vms/web", null).status()).isEqualTo(404);
    assertThat(api.send("DELETE", "/v1/vms/web", null).status()).isEqualTo(404);
    assertThat(api.send("GET", "/v1/nothing", null).status()).isEqualTo(404);
    assertThat(api.send("POST", "/v1/vms/web", "{}").status()).isEqualTo(405);
  }

  @Test
  void rejectedChangesAre422WithCheckMessages() throws Exception {
    ok(api.send("PUT", "/v1/vms/a", "{\"host\": \"hv1\", \"index\": 5, \"interfaces\": [{\"network\": \"br\"}]}"));
    var r = api.send("PUT", "/v1/vms/b", "{\n  \"host\": \"hv1\",\n  \"index\": 5,\n  \"interfaces\": [{\"network\": \"br\"}]}");
    assertThat(r.status()).isEqualTo(422);
    assertThat(JSON.readTree(r.body()).path("errors").get(0).asText())
        .isEqualTo("request:3:12: error: index 5 is already used by VM 'a' (line 1); indexes must be unique across the inventory");
    var d = api.send("DELETE", "/v1/networks/br", null);
    assertThat(d.status()).isEqualTo(422);
    assertThat(d.body()).contains("network 'br' is still used by VM(s) a");
  }

  @Test
  void concurrentPutsGetDistinctIndexes() throws Exception {
    var pool = Executors.newFixedThreadPool(8);
    var futures = new ArrayList<Future<ApiClient.Reply>>();
    for (int i = 0; i < 80; i++) {
      String name = "v" + i;
      futures.add(pool.submit(() -> api.send("PUT", "/v1/vms/" + name, "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}")));
    }
    for (var f : futures) assertThat(f.get().status()).isEqualTo(201);
    pool.shutdown();
    var vms = store.inventory().vms();
    assertThat(new HashSet<>(vms.stream().map(Vm::index).toList())).hasSize(80);
    assertThat(new HashSet<>(vms.stream().map(v -> v.interfaces().get(0).addresses()).toList())).hasSize(80);
  }

  @Test
  void tcpNeedsTheTokenForEveryV1RequestButNotForMetrics() throws Exception {
    try (var tcp = ApiServer.start(store, List.of(Listen.tcp("127.0.0.1:0", "s3cret\n")), AgentView.NONE)) {
      String base = "http://127.0.0.1:" + tcp.tcpPorts().get(0);
      var http = HttpClient.newHttpClient();
      var put = HttpRequest.BodyPublishers.ofString("{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/v1/vms/x")).PUT(put)).statusCode()).isEqualTo(401);
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/v1/vms/x")).PUT(put).header("Authorization", "Bearer wrong")).statusCode())
          .isEqualTo(401);
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/v1/vms")).GET()).statusCode()).isEqualTo(401);
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/metrics")).GET()).statusCode()).isEqualTo(200);
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/v1/vms/x")).PUT(put).header("Authorization", "Bearer s3cret")).statusCode())
          .isEqualTo(201);
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/v1/vms")).GET().header("Authorization", "Bearer s3cret")).body())
          .contains("\"x\"");
    }
  }

  private static HttpResponse<String> send(HttpClient http, HttpRequest.Builder b) throws Exception {
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theOpenApiDocumentListsEveryRoute() throws Exception {
    @SuppressWarnings("unchecked")
    var doc = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(Path.of("openapi/netfence-v1.yaml")));
    assertThat(doc.get("openapi")).isEqualTo("3.1.0");
    Set<Routes.Route> documented = new HashSet<>();
    @SuppressWarnings("unchecked")
    var paths = (Map<String, Map<String, Object>>) doc.get("paths");
    paths.forEach((p, ops) -> ops.keySet().stream().filter(m -> Set.of("get", "put", "post", "delete", "patch").contains(m))
        .forEach(m -> documented.add(new Routes.Route(m.toUpperCase(java.util.Locale.ROOT), p))));
    assertThat(documented).containsExactlyInAnyOrderElementsOf(Routes.ALL);
  }
}
