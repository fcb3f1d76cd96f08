package netfence.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import netfence.state.StateService;
import netfence.store.SqliteStore;

/**
 * A state service with a host {@code hv1} and a bridged network {@code br} (bridge {@code br0},
 * 10.2.0.0/16), served on a Unix socket; what the server logs is kept.
 */
final class ApiFixture implements AutoCloseable {
  final StallableStore store;
  final StateService state;
  final Path socket;
  final ApiServer server;
  final ApiClient api;
  final List<String> log = new CopyOnWriteArrayList<>();

  ApiFixture(Path dir, AgentView agent, ApiServer.Settings settings) throws Exception {
    store = new StallableStore(SqliteStore.open(dir.resolve("state")));
    state = StateService.open(store, System.err::println);
    socket = dir.resolve("api.sock");
    server = ApiServer.start(state, List.of(new Listen.UnixSocket(socket)), agent, settings, line -> {
      log.add(line);
      System.err.println(line);
    });
    api = ApiClient.unixSocket(socket);
    ok(api.send("PUT", "/v1/hosts/hv1", "{}"));
    ok(api.send("PUT", "/v1/networks/br", "{\"mode\": \"bridged\", \"bridge\": \"br0\", \"ipv4\": \"10.2.0.0/16\"}"));
  }

  ApiFixture(Path dir) throws Exception {
    this(dir, AgentView.NONE, ApiServer.Settings.DEFAULTS);
  }

  static ApiClient.Reply ok(ApiClient.Reply r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 201);
    return r;
  }

  ApiClient.Reply putVm(String name) throws Exception {
    return api.send("PUT", "/v1/vms/" + name, "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
  }

  /**
   * Sends {@code head} (request line and headers, without the blank line) and {@code body} as bytes,
   * exactly as given (no client normalises the path), and returns the whole answer as text.
   */
  String raw(String head, byte[] body) throws IOException {
    try (var ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      ch.write(ByteBuffer.wrap((head + "\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
      if (body.length > 0) ch.write(ByteBuffer.wrap(body));
      var out = new ByteArrayOutputStream();
      var buf = ByteBuffer.allocate(8192);
      while (ch.read(buf) >= 0) {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() throws Exception {
    store.release();
    api.close();
    server.close();
    state.close();
    store.close();
  }
}
