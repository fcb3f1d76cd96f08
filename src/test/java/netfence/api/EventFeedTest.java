package netfence.api;

import static netfence.api.ApiFixture.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The change feed over the socket: replay from a revision, then follow; 410 when the revision is gone. */
@Timeout(60)
class EventFeedTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  ApiFixture f;

  @BeforeEach
  void start() throws Exception {
    f = new ApiFixture(dir, AgentView.NONE, new ApiServer.Settings(Duration.ofSeconds(10), Duration.ofMillis(200), false));
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  /** Reads the feed on a thread of its own; lines arrive in {@code lines}; the client goes away when the test ends. */
  private CompletableFuture<Void> follow(String query, BlockingQueue<JsonNode> lines) {
    return CompletableFuture.runAsync(() -> {
      try (var client = ApiClient.unixSocket(f.socket)) {
        client.lines("/v1/events" + query, l -> {
          try {
            lines.add(JSON.readTree(l));
          } catch (java.io.IOException e) {
            throw new IllegalStateException(l, e);
          }
        });
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** The next object change (bookmarks are skipped). */
  private static JsonNode next(BlockingQueue<JsonNode> lines) throws InterruptedException {
    for (;;) {
      JsonNode l = lines.poll(10, TimeUnit.SECONDS);
      assertThat(l).as("a line within 10 s").isNotNull();
      if (l.has("kind")) return l;
    }
  }

  @Test
  void theFeedResumesFromARevisionThenFollowsNewCommits() throws Exception {
    ok(f.putVm("a")); // revision 3
    ok(f.putVm("b")); // 4
    ok(f.api.send("DELETE", "/v1/vms/a", null)); // 5
    var lines = new LinkedBlockingQueue<JsonNode>();
    var reader = follow("?since=3", lines);
    // Replay: what came after revision 3, in order.
    JsonNode b = next(lines);
    assertThat(b.path("revision").asLong()).isEqualTo(4);
    assertThat(b.path("kind").asText()).isEqualTo("vms");
    assertThat(b.path("name").asText()).isEqualTo("b");
    assertThat(b.at("/body/interfaces/0/network").asText()).isEqualTo("br");
    assertThat(b.at("/body/index").asInt()).as("the stored body, with what was allocated").isPositive();
    JsonNode gone = next(lines);
    assertThat(gone.toString()).isEqualTo("{\"revision\":5,\"kind\":\"vms\",\"name\":\"a\",\"deleted\":true}");
    // Then a bookmark: everything up to 5 was sent.
    JsonNode mark = lines.poll(10, TimeUnit.SECONDS);
    assertThat(mark.toString()).isEqualTo("{\"revision\":5}");
    // Then new commits as they happen.
    ok(f.putVm("c"));
    ok(f.api.send("PUT", "/v1/hosts/hv2", "{}"));
    assertThat(next(lines).path("name").asText()).isEqualTo("c");
    JsonNode host = next(lines);
    assertThat(host.path("kind").asText()).isEqualTo("hosts");
    assertThat(host.path("revision").asLong()).isEqualTo(7);
    // While nothing changes, bookmarks keep coming (the heartbeat), at the last revision.
    JsonNode beat = lines.poll(10, TimeUnit.SECONDS);
    assertThat(beat.toString()).isEqualTo("{\"revision\":7}");
    reader.cancel(true);

    // Resuming from the last revision seen gives nothing old again.
    var again = new LinkedBlockingQueue<JsonNode>();
    var second = follow("?since=6", again);
    assertThat(next(again).path("revision").asLong()).isEqualTo(7);
    assertThat(again.poll(10, TimeUnit.SECONDS).toString()).isEqualTo("{\"revision\":7}");
    second.cancel(true);
  }

  @Test
  void withoutSinceTheFeedStartsNow() throws Exception {
    ok(f.putVm("old"));
    var lines = new LinkedBlockingQueue<JsonNode>();
    var reader = follow("", lines);
    assertThat(lines.poll(10, TimeUnit.SECONDS).toString()).isEqualTo("{\"revision\":3}");
    ok(f.putVm("new"));
    assertThat(next(lines).path("name").asText()).isEqualTo("new");
    reader.cancel(true);
  }

  @Test
  void aCompactedOrFutureRevisionIs410() throws Exception {
    ok(f.putVm("a"));
    ok(f.putVm("b"));
    f.store.compactTo(3);
    var compacted = f.api.send("GET", "/v1/events?since=2", null);
    assertThat(compacted.status()).isEqualTo(410);
    assertThat(JSON.readTree(compacted.body()).path("errors").get(0).asText())
        .isEqualTo("the changes after revision 2 are compacted away: list the objects again (GET /v1/hosts, /v1/networks, /v1/vms) "
            + "and follow from the revision of that listing");
    var future = f.api.send("GET", "/v1/events?since=99", null);
    assertThat(future.status()).isEqualTo(410);
    assertThat(future.body()).contains("since (99) is ahead of the store's revision 4");
    assertThat(f.api.send("GET", "/v1/events?since=x", null).status()).isEqualTo(400);
    // A revision still there works.
    var lines = new LinkedBlockingQueue<JsonNode>();
    var reader = follow("?since=3", lines);
    assertThat(next(lines).path("name").asText()).isEqualTo("b");
    reader.cancel(true);
  }

  /** An import is one revision with many changes: the replay sends it whole, though it is bigger than a page. */
  @Test
  void aRevisionBiggerThanAPageIsReplayedWhole() throws Exception {
    int n = EventFeed.PAGE * 2 + 5;
    try (var sqlite = netfence.store.SqliteStore.open(dir.resolve("big"));
        var state = netfence.state.StateService.open(sqlite, System.err::println)) {
      assertThat(state.importInventory("fleet.json", netfence.testing.Fleet.routedJson(n)).ok()).isTrue();
      assertThat(state.revision()).isEqualTo(1);
      Path socket = dir.resolve("big.sock");
      try (var server = ApiServer.start(state, List.of(new Listen.UnixSocket(socket)), AgentView.NONE);
          var client = ApiClient.unixSocket(socket)) {
        var names = new java.util.HashSet<String>();
        var bookmark = new ArrayList<String>();
        var done = new IllegalStateException("done");
        try {
          client.lines("/v1/events?since=0", l -> {
            try {
              JsonNode e = JSON.readTree(l);
              if (e.has("kind")) {
                assertThat(e.path("revision").asLong()).isEqualTo(1);
                names.add(e.path("kind").asText() + "/" + e.path("name").asText());
              } else {
                bookmark.add(l);
                throw done;
              }
            } catch (java.io.IOException x) {
              throw new IllegalStateException(x);
            }
          });
        } catch (IllegalStateException e) {
          assertThat(e).isSameAs(done);
        }
        assertThat(names).hasSize(n + 2).contains("vms/" + netfence.testing.Fleet.name(n), "hosts/hv1", "networks/vmnet");
        assertThat(bookmark).containsExactly("{\"revision\":1}");
      }
    }
  }

  @Test
  void eventsTakeOnlySince() throws Exception {
    var r = f.api.send("GET", "/v1/events?from=1", null);
    assertThat(r.status()).isEqualTo(400);
    assertThat(List.of(r.body())).anySatisfy(b -> assertThat(b).contains("this route takes since"));
  }
}
