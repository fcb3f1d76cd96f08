package netfence.api;

import static netfence.api.ApiFixture.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import netfence.inventory.InventoryReader;
import netfence.model.Vm;
import netfence.store.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

@Timeout(120)
class ApiServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  ApiFixture f;
  ApiClient api;

  @BeforeEach
  void start() throws Exception {
    f = new ApiFixture(dir);
    api = f.api;
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  @Test
  void crudOverTheSocket() throws Exception {
    var created = f.putVm("web");
    assertThat(created.status()).isEqualTo(201);
    JsonNode body = JSON.readTree(created.body());
    assertThat(body.path("revision").asLong()).isEqualTo(3);
    assertThat(body.at("/body/index").asInt()).isEqualTo(1);
    assertThat(body.at("/body/interfaces/0/addresses/0").asText()).isEqualTo("10.2.0.1");
    assertThat(body.has("applied")).as("no wait asked, nothing said about the agent").isFalse();

    assertThat(JSON.readTree(ok(api.send("GET", "/v1/vms/web", null)).body()).at("/body/interfaces/0/tap").asText()).isEqualTo("vm1");
    assertThat(JSON.readTree(ok(api.send("GET", "/v1/vms", null)).body()).path("vms").has("web")).isTrue();
    assertThat(api.send("PUT", "/v1/vms/web", "{\"host\": \"hv1\", \"index\": 9, \"interfaces\": [{\"network\": \"br\"}]}").status()).isEqualTo(200);
    assertThat(f.state.inventory().vms()).extracting(Vm::index).containsExactly(9);

    String yaml = ok(api.send("GET", "/v1/inventory", null)).body();
    assertThat(yaml).startsWith("# netfence inventory, revision 4\n");
    assertThat(InventoryReader.parse("export.yaml", yaml).ok()).as(yaml).isTrue();
    assertThat(api.send("PUT", "/v1/vms/bad", "{\"host\": \"nohost\", \"interfaces\": [{\"network\": \"br\"}]}").status()).isEqualTo(422);
    assertThat(ok(api.send("GET", "/metrics", null)).body()).contains("netfence_store_revision 4")
        .contains("netfence_store_changes_total{outcome=\"committed\"} 4").contains("netfence_store_changes_total{outcome=\"rejected\"} 1")
        .contains("netfence_api_requests_total{code=\"201\"} 3").contains("netfence_api_requests_total{code=\"422\"} 1");

    assertThat(api.send("DELETE", "/v1/vms/web", null).status()).isEqualTo(200);
    assertThat(api.send("GET", "/v1/vms/web", null).status()).isEqualTo(404);
    assertThat(api.send("DELETE", "/v1/vms/web", null).status()).isEqualTo(404);
    assertThat(api.send("GET", "/v1/nothing", null).status()).isEqualTo(404);
    var post = api.send("POST", "/v1/vms/web", "{}");
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.body()).contains("POST is not allowed on /v1/vms/web");
  }

  @Test
  void anEmptyStateExportsAnEmptyInventoryThatParses() throws Exception {
    ok(api.send("DELETE", "/v1/networks/br", null));
    ok(api.send("DELETE", "/v1/hosts/hv1", null));
    String yaml = ok(api.send("GET", "/v1/inventory", null)).body();
    assertThat(yaml).contains("hosts: {}\nnetworks: {}\nvms: {}\n");
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
    assertThat(f.log).anySatisfy(l -> assertThat(l).startsWith("netfence: api: PUT /v1/vms/b: 422: request:3:12: error: index 5"));
  }

  @Test
  void concurrentPutsGetDistinctIndexes() throws Exception {
    var pool = Executors.newFixedThreadPool(8);
    var futures = new ArrayList<Future<ApiClient.Reply>>();
    for (int i = 0; i < 80; i++) {
      String name = "v" + i;
      futures.add(pool.submit(() -> f.putVm(name)));
    }
    for (var fu : futures) assertThat(fu.get().status()).isEqualTo(201);
    pool.shutdown();
    var vms = f.state.inventory().vms();
    assertThat(new HashSet<>(vms.stream().map(Vm::index).toList())).hasSize(80);
    assertThat(new HashSet<>(vms.stream().map(v -> v.interfaces().get(0).addresses()).toList())).hasSize(80);
  }

  /** Lists are paged by name: every VM exactly once, in order, whatever the page size. */
  @Test
  void listsArePagedByNameWithANextCursor() throws Exception {
    var names = new ArrayList<String>();
    for (int i = 0; i < 25; i++) {
      names.add("vm%02d".formatted(i));
      ok(f.putVm(names.getLast()));
    }
    var seen = new ArrayList<String>();
    String after = null;
    int pages = 0;
    do {
      JsonNode page = JSON.readTree(ok(api.send("GET", "/v1/vms?limit=10" + (after == null ? "" : "&after=" + after), null)).body());
      assertThat(page.path("revision").asLong()).isEqualTo(27);
      page.path("vms").properties().forEach(e -> seen.add(e.getKey()));
      after = page.path("next").isTextual() ? page.path("next").asText() : null;
      pages++;
    } while (after != null);
    assertThat(seen).containsExactlyElementsOf(names);
    assertThat(pages).isEqualTo(3);
    // Without a limit: the default page holds them all, and says there is no next one.
    JsonNode all = JSON.readTree(ok(api.send("GET", "/v1/vms", null)).body());
    assertThat(all.path("vms").size()).isEqualTo(25);
    assertThat(all.has("next")).isFalse();
    assertThat(all.at("/vms/vm07/interfaces/0/network").asText()).isEqualTo("br");
    // A page that ends exactly at the last VM has no next either.
    assertThat(JSON.readTree(ok(api.send("GET", "/v1/vms?after=vm14&limit=10", null)).body()).has("next")).isFalse();

    assertThat(api.send("GET", "/v1/vms?limit=0", null).body()).contains("'limit' (0) must be an integer from 1 to " + Api.PAGE_MAX);
    assertThat(api.send("GET", "/v1/vms?limit=" + (Api.PAGE_MAX + 1), null).status()).isEqualTo(400);
    assertThat(api.send("GET", "/v1/vms?after=a;b", null).status()).isEqualTo(400);
    var unknown = api.send("GET", "/v1/vms?limt=5", null);
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body()).contains("unknown query parameter 'limt'; this route takes after, limit");
  }

  @Test
  void tcpNeedsTheTokenForEveryRequestAndMetricsOnlyWhenOptedOut() throws Exception {
    var put = HttpRequest.BodyPublishers.ofString("{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
    var http = HttpClient.newHttpClient();
    try (var tcp = ApiServer.start(f.state, List.of(Listen.tcp("127.0.0.1:0", "s3cret\n")), AgentView.NONE)) {
      String base = "http://127.0.0.1:" + tcp.tcpPorts().get(0);
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/v1/vms/x")).PUT(put)).statusCode()).isEqualTo(401);
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/v1/vms/x")).PUT(put).header("Authorization", "Bearer wrong")).statusCode())
          .isEqualTo(401);
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/v1/vms")).GET()).statusCode()).isEqualTo(401);
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/metrics")).GET()).statusCode()).isEqualTo(401);
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/metrics")).GET().header("Authorization", "Bearer s3cret")).statusCode())
          .isEqualTo(200);
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/v1/vms/x")).PUT(put).header("Authorization", "Bearer s3cret")).statusCode())
          .isEqualTo(201);
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/v1/vms")).GET().header("Authorization", "Bearer s3cret")).body())
          .contains("\"x\"");
    }
    var open = ApiServer.Settings.DEFAULTS.withMetricsWithoutToken(true);
    try (var tcp = ApiServer.start(f.state, List.of(Listen.tcp("127.0.0.1:0", "s3cret")), AgentView.NONE, open, f.log::add)) {
      String base = "http://127.0.0.1:" + tcp.tcpPorts().get(0);
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/metrics")).GET()).statusCode()).isEqualTo(200);
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/v1/vms")).GET()).statusCode()).as("only /metrics is opened").isEqualTo(401);
    }
    // On the socket, its mode decides: no token.
    assertThat(api.send("GET", "/metrics", null).status()).isEqualTo(200);
  }

  private static HttpResponse<String> send(HttpClient http, HttpRequest.Builder b) throws Exception {
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void statusIsATypedRecord() throws Exception {
    var agent = new FakeAgent();
    try (var g = new ApiFixture(dir.resolve("g"), agent, ApiServer.Settings.DEFAULTS)) {
      agent.apply(2);
      agent.interfaces(List.of(new Status.InterfaceState("web", 0, "vm1", "APPLIED", "", Map.of("forged_src", 3L))));
      Status s = g.api.status();
      assertThat(s).isEqualTo(new Status(2, new Status.AgentState(true, 2,
          List.of(new Status.InterfaceState("web", 0, "vm1", "APPLIED", "", Map.of("forged_src", 3L))))));
      // The documented shape, field by field.
      JsonNode raw = JSON.readTree(ok(g.api.send("GET", "/v1/status", null)).body());
      assertThat(raw.toString()).isEqualTo("{\"revision\":2,\"agent\":{\"running\":true,\"appliedRevision\":2,\"interfaces\":"
          + "[{\"vm\":\"web\",\"interfaceNumber\":0,\"tap\":\"vm1\",\"state\":\"APPLIED\",\"reason\":\"\",\"drops\":{\"forged_src\":3}}]}}");
      assertThat(ok(g.api.send("GET", "/metrics", null)).body()).endsWith("netfence_fake_agent 1\n");
    }
    assertThat(api.status().agent()).isEqualTo(Status.AgentState.NONE);
  }

  /** Issue 10: 200/201 means committed; ?wait=applied waits for the agent and says what it did, never failing a commit. */
  @Test
  void waitAppliedAnswersTheAgentsViewAndATimeoutStillAnswersTheCommit() throws Exception {
    var agent = new FakeAgent();
    try (var g = new ApiFixture(dir.resolve("g"), agent, ApiServer.Settings.DEFAULTS)) {
      agent.interfaces(List.of(new Status.InterfaceState("web", 0, "vm1", "PENDING", "tap does not exist yet", Map.of()),
          new Status.InterfaceState("other", 0, "vm2", "APPLIED", "", Map.of())));
      // The agent acts on revision 3 a little later.
      CompletableFuture.runAsync(() -> {
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        agent.apply(3);
      });
      var r = g.api.send("PUT", "/v1/vms/web?wait=applied&timeout=20s", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
      assertThat(r.status()).isEqualTo(201);
      JsonNode body = JSON.readTree(r.body());
      assertThat(body.path("revision").asLong()).isEqualTo(3);
      assertThat(body.path("applied").asBoolean()).isTrue();
      assertThat(body.at("/agent/appliedRevision").asLong()).isEqualTo(3);
      assertThat(body.at("/agent/interfaces").size()).as("only this VM's interfaces").isEqualTo(1);
      assertThat(body.at("/agent/interfaces/0/state").asText()).isEqualTo("PENDING");
      assertThat(body.at("/agent/interfaces/0/reason").asText()).isEqualTo("tap does not exist yet");

      // The agent does not get there in time: the change is still committed, and said to be not yet applied.
      var late = g.api.send("PUT", "/v1/vms/web2?wait=applied&timeout=300ms", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
      assertThat(late.status()).isEqualTo(201);
      assertThat(JSON.readTree(late.body()).path("applied").asBoolean()).isFalse();
      assertThat(g.state.get(Kind.VMS, "web2")).isPresent();
      var del = g.api.send("DELETE", "/v1/vms/web2?wait=applied&timeout=100ms", null);
      assertThat(del.status()).isEqualTo(200);
      assertThat(JSON.readTree(del.body()).path("applied").asBoolean()).isFalse();

      // Bad waits are refused before anything changes.
      assertThat(g.api.send("PUT", "/v1/vms/x?wait=kernel", "{}").body()).contains("'wait' (kernel) must be one of applied");
      assertThat(g.api.send("PUT", "/v1/vms/x?wait=applied&timeout=31s", "{}").body()).contains("at most 30s");
      assertThat(g.api.send("PUT", "/v1/vms/x?timeout=1s", "{}").body()).contains("'timeout' goes with wait=applied");
      assertThat(g.state.get(Kind.VMS, "x")).isEmpty();
    }
    // Without an agent, the answer says so.
    var none = JSON.readTree(api.send("PUT", "/v1/vms/n?wait=applied&timeout=1s", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}").body());
    assertThat(none.path("applied").asBoolean()).isFalse();
    assertThat(none.at("/agent/running").asBoolean()).isFalse();
  }

  /** Issue 10: a change queued behind a stalled state service is withdrawn after the busy timeout; one being committed is waited for. */
  @Test
  void aBusyStateServiceWithdrawsQueuedChangesButNeverFailsOneItCommits() throws Exception {
    var quick = new ApiServer.Settings(Duration.ofMillis(300), Duration.ofSeconds(15), false);
    try (var g = new ApiFixture(dir.resolve("g"), AgentView.NONE, quick)) {
      g.store.stall();
      var first = CompletableFuture.supplyAsync(() -> {
        try {
          return g.putVm("first");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      g.store.awaitStalled(); // the sequencer is in the commit of 'first', past the point of withdrawing it
      var second = g.putVm("second");
      assertThat(second.status()).isEqualTo(503);
      assertThat(second.body()).contains("the state service is busy").contains("nothing was changed");
      Thread.sleep(500); // well past the busy timeout: 'first' must still not be reported as failed
      g.store.release();
      assertThat(first.get().status()).isEqualTo(201);
      assertThat(g.state.get(Kind.VMS, "first")).isPresent();
      assertThat(g.state.get(Kind.VMS, "second")).as("withdrawn: never committed").isEmpty();
      assertThat(ok(g.api.send("GET", "/metrics", null)).body()).contains("netfence_api_requests_total{code=\"503\"} 1");
      assertThat(g.log).anySatisfy(l -> assertThat(l).contains("PUT /v1/vms/second: 503: the state service is busy"));
    }
  }

  /** Issue 10: Jetty strips ';params' from the decoded path, so the raw one is checked. */
  @Test
  void theRawPathMustNameAValidObject() throws Exception {
    String put = "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}";
    byte[] body = put.getBytes(StandardCharsets.UTF_8);
    for (String path : List.of("/v1/vms/a;b", "/v1/vms/a;", "/v1/vms/%61", "/v1/vms/-a", "/v1/vms/")) {
      String answer = f.raw("PUT " + path + " HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: " + body.length, body);
      assertThat(answer).as(path).startsWith("HTTP/1.1 400").contains("VM name '").contains("is invalid");
    }
    assertThat(f.raw("GET /v1/vms/a;b HTTP/1.1", new byte[0])).startsWith("HTTP/1.1 400");
    // Jetty itself refuses an encoded '/', and its refusal is answered, logged and counted like the API's own.
    assertThat(f.raw("PUT /v1/vms/a%2Fb HTTP/1.1\r\nContent-Length: " + body.length, body)).startsWith("HTTP/1.1 400")
        .endsWith("{\"errors\":[\"Ambiguous URI path separator\"]}");
    assertThat(f.log).anySatisfy(l -> assertThat(l).isEqualTo("netfence: api: PUT /v1/vms/a%2Fb: 400: Ambiguous URI path separator"));
    // A request Jetty cannot even parse gets an answer of the same kind.
    String garbage = f.raw("PUT /v1/vms/x HTTP/1.1\r\nContent-Length: nonsense", new byte[0]);
    assertThat(garbage).startsWith("HTTP/1.1 400").contains("{\"errors\":[");
    assertThat(f.state.count(Kind.VMS)).as("neither 'a' nor anything else was created").isZero();
    assertThat(f.log).anySatisfy(l -> assertThat(l).startsWith("netfence: api: PUT /v1/vms/a;b: 400: VM name 'a;b' is invalid"));
    // A plain valid name still works over the same raw path.
    assertThat(f.raw("PUT /v1/vms/a HTTP/1.1\r\nContent-Length: " + body.length, body)).startsWith("HTTP/1.1 201");
  }

  /** Issue 10: the limit is the largest legitimate body, and a declared length over it is refused before the body is read. */
  @Test
  void bodiesOverTheLimitAre413WhileReading() throws Exception {
    // Declares 100 MB and sends none of it: the answer comes at once.
    String declared = f.raw("PUT /v1/vms/big HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100000000", new byte[0]);
    assertThat(declared).startsWith("HTTP/1.1 413").contains("at most " + netfence.state.StateService.MAX_BODY + " bytes");
    // Chunked, with no length: refused once the limit is passed.
    byte[] chunk = ("{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\", \"addresses\": [" + " ".repeat(300_000) + "]}]}")
        .getBytes(StandardCharsets.UTF_8);
    byte[] chunked = (Integer.toHexString(chunk.length) + "\r\n" + new String(chunk, StandardCharsets.UTF_8) + "\r\n0\r\n\r\n")
        .getBytes(StandardCharsets.UTF_8);
    assertThat(f.raw("PUT /v1/vms/big HTTP/1.1\r\nTransfer-Encoding: chunked", chunked)).startsWith("HTTP/1.1 413");
    assertThat(f.state.get(Kind.VMS, "big")).isEmpty();
    // The largest legitimate body passes the API (the state service then judges it).
    String padded = "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}" + " ".repeat(netfence.state.StateService.MAX_BODY - 60);
    assertThat(api.send("PUT", "/v1/vms/padded", padded).status()).isEqualTo(201);
    assertThat(f.state.get(Kind.VMS, "padded").orElseThrow()).as("stored canonical, not padded").hasSizeLessThan(300);
  }

  @Test
  void invalidUtf8IsA400WithAMessageLoggedAndCounted() throws Exception {
    byte[] body = "{\"host\": \"hv1\u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);
    String answer = f.raw("PUT /v1/vms/u HTTP/1.1\r\nContent-Length: " + body.length, body);
    assertThat(answer).startsWith("HTTP/1.1 400").contains("the body is not valid UTF-8: byte 0xff at offset 13");
    assertThat(f.log).anySatisfy(l -> assertThat(l).contains("PUT /v1/vms/u: 400: the body is not valid UTF-8"));
    assertThat(ok(api.send("GET", "/metrics", null)).body()).contains("netfence_api_requests_total{code=\"400\"} 1");
  }

  @Test
  void deeplyNestedBodiesAre4xxWithAMessage() throws Exception {
    String json = "{\"host\": " + "[".repeat(20_000) + "]".repeat(20_000) + "}";
    String yaml = "host: " + "[".repeat(20_000) + "]".repeat(20_000) + "\n";
    String block = java.util.stream.IntStream.range(0, 690).mapToObj(i -> " ".repeat(i) + "a:\n").reduce("", String::concat) + " ".repeat(690) + "a: 1\n";
    String recursive = "host: &a [*a]\n";
    for (var body : List.of(json, yaml, block, recursive)) {
      for (var path : List.of("/v1/vms/deep", "/v1/hosts/deep")) {
        var r = api.send("PUT", path, body);
        assertThat(r.status()).as(path + " " + r.body()).isBetween(400, 499);
        assertThat(JSON.readTree(r.body()).path("errors").get(0).asText()).isNotBlank();
      }
    }
    // The service still works.
    assertThat(f.putVm("after").status()).isEqualTo(201);
  }

  @Test
  void aLiveSocketIsNeverTakenOverAndAStaleOneIsReplaced() throws Exception {
    assertThatThrownBy(() -> ApiServer.start(f.state, List.of(new Listen.UnixSocket(f.socket)), AgentView.NONE))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("another process answers on " + f.socket);
    assertThat(api.send("GET", "/v1/status", null).status()).as("the first server still answers").isEqualTo(200);

    Path stale = dir.resolve("stale.sock");
    try (var dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(stale));
    }
    assertThat(stale).exists();
    var log = new ArrayList<String>();
    try (var again = ApiServer.start(f.state, List.of(new Listen.UnixSocket(stale)), AgentView.NONE, ApiServer.Settings.DEFAULTS, log::add);
        var client = ApiClient.unixSocket(stale)) {
      assertThat(client.send("GET", "/v1/status", null).status()).isEqualTo(200);
    }
    assertThat(log).anySatisfy(l -> assertThat(l).contains("removing the stale socket"));

    Path file = Files.writeString(dir.resolve("not-a-socket"), "data");
    assertThatThrownBy(() -> ApiServer.claim(file, log::add)).hasMessageContaining("is not a socket");
    assertThat(file).hasContent("data");
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
