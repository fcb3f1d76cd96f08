package netfence.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import netfence.inventory.Diagnostic;
import netfence.state.Mutation;
import netfence.state.Result;
import netfence.state.StateService;
import netfence.store.Kind;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The REST API over a {@link StateService}, as described in {@code openapi/netfence-v1.yaml}.
 *
 * <pre>{@code
 * try (var server = ApiServer.start(store, List.of(new Listen.UnixSocket(Path.of("/run/netfence/netfence.sock"))), AgentView.NONE)) {
 *   server.join();
 * }
 * }</pre>
 *
 * <p>On the Unix socket nobody is asked for a token: the socket's mode (0660)
 * decides who may connect. On TCP every {@code /v1} request, reads included,
 * needs {@code Authorization: Bearer TOKEN}, because the inventory is a map of
 * the network; only {@code /metrics} is open, for scrapers.
 */
public final class ApiServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Server server;

  private ApiServer(Server server) {
    this.server = server;
  }

  /** Starts serving; returns once every listener is bound. */
  public static ApiServer start(StateService store, List<Listen> listeners, AgentView agent) throws Exception {
    if (listeners.isEmpty()) throw new IllegalArgumentException("listeners must name at least one socket or address");
    var server = new Server();
    var tokens = new java.util.HashMap<Connector, byte[]>();
    var sockets = new ArrayList<Path>();
    for (Listen l : listeners) {
      switch (l) {
        case Listen.UnixSocket u -> {
          Files.createDirectories(u.path().toAbsolutePath().getParent());
          // A socket left by a process that died would make the bind fail.
          Files.deleteIfExists(u.path());
          var c = new UnixDomainServerConnector(server);
          c.setUnixDomainPath(u.path());
          server.addConnector(c);
          sockets.add(u.path());
        }
        case Listen.Tcp t -> {
          var c = new ServerConnector(server);
          c.setHost(t.host());
          c.setPort(t.port());
          server.addConnector(c);
          tokens.put(c, t.token().strip().getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    server.setHandler(new Api(store, agent, Map.copyOf(tokens)));
    server.start();
    for (Path p : sockets) Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-rw----"));
    return new ApiServer(server);
  }

  /** The TCP port a listener bound (useful with port 0), in listener order. */
  public List<Integer> tcpPorts() {
    var ports = new ArrayList<Integer>();
    for (Connector c : server.getConnectors()) if (c instanceof ServerConnector s) ports.add(s.getLocalPort());
    return ports;
  }

  /** Waits until the server stops. */
  public void join() throws InterruptedException {
    server.join();
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  /** The routes of {@link Routes#ALL}. */
  private static final class Api extends Handler.Abstract {
    private final StateService store;
    private final AgentView agent;
    private final Map<Connector, byte[]> tokens;

    /** Requests that failed inside the service (an internal error answers 500). */
    private final java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();

    Api(StateService store, AgentView agent, Map<Connector, byte[]> tokens) {
      this.store = store;
      this.agent = agent;
      this.tokens = tokens;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      Reply reply;
      try {
        reply = route(request);
      } catch (RuntimeException | IOException e) {
        failed.incrementAndGet();
        reply = errors(500, List.of("internal error: " + (e.getMessage() == null ? e.toString() : e.getMessage())));
      }
      response.setStatus(reply.status());
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
      if (reply.status() == 401) response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
      Content.Sink.write(response, true, reply.body(), callback);
      return true;
    }

    private Reply route(Request request) throws IOException {
      String path = Request.getPathInContext(request);
      String method = request.getMethod();
      if (path.equals("/metrics")) {
        if (!method.equals("GET")) return notAllowed(method, path);
        return new Reply(200, "text/plain; version=0.0.4; charset=utf-8",
            "# HELP netfence_store_revision Revision of the desired state.\n# TYPE netfence_store_revision gauge\n"
                + "netfence_store_revision " + store.revision() + "\n"
                + "# HELP netfence_store_changes_total Changes to the desired state, committed or refused by validation.\n"
                + "# TYPE netfence_store_changes_total counter\n"
                + "netfence_store_changes_total{outcome=\"committed\"} " + store.counts().committed() + "\n"
                + "netfence_store_changes_total{outcome=\"rejected\"} " + store.counts().rejected() + "\n"
                + "# HELP netfence_store_commits_total Commits to the store (one fsync each; one may hold many changes).\n"
                + "# TYPE netfence_store_commits_total counter\n"
                + "netfence_store_commits_total " + store.counts().commits() + "\n"
                + "# HELP netfence_api_errors_total Requests that failed inside the service (store or I/O errors).\n"
                + "# TYPE netfence_api_errors_total counter\n"
                + "netfence_api_errors_total " + failed.get() + "\n" + agent.metrics());
      }
      if (!authorised(request)) return errors(401, List.of("this listener needs 'Authorization: Bearer TOKEN'"));
      if (path.equals("/v1/status")) {
        if (!method.equals("GET")) return notAllowed(method, path);
        return json(200, "{\"revision\": " + store.revision() + ", \"agent\": " + agent.statusJson() + "}");
      }
      if (path.equals("/v1/inventory")) {
        if (!method.equals("GET")) return notAllowed(method, path);
        return new Reply(200, "application/yaml; charset=utf-8", InventoryExport.yaml(store));
      }
      var target = Routes.objects(path);
      if (target.isEmpty()) return errors(404, List.of("no such route: " + path));
      Kind kind = target.get().kind();
      if (target.get().name().isEmpty()) {
        if (!method.equals("GET")) return notAllowed(method, path);
        ObjectNode all = JSON.createObjectNode();
        all.put("revision", store.revision());
        ObjectNode objects = all.putObject(kind.key());
        store.list(kind, Optional.empty(), Integer.MAX_VALUE).forEach((n, b) -> objects.set(n, tree(b)));
        return json(200, JSON.writeValueAsString(all));
      }
      String name = target.get().name().get();
      return switch (method) {
        case "GET" -> store.get(kind, name).map(b -> object(200, name, store.revision(), b)).orElseGet(() -> missing(kind, name));
        case "PUT" -> {
          String body = Content.Source.asString(request, StandardCharsets.UTF_8);
          boolean existed = store.get(kind, name).isPresent();
          var r = store.submit(new Mutation.Put(kind, name, body)).join();
          yield r.ok() ? object(existed ? 200 : 201, name, r.revision(), r.body().orElseThrow()) : refused(r);
        }
        case "DELETE" -> {
          var r = store.submit(new Mutation.Delete(kind, name)).join();
          yield r.ok() ? json(200, "{\"revision\": " + r.revision() + "}") : refused(r);
        }
        default -> notAllowed(method, path);
      };
    }

    private boolean authorised(Request request) {
      byte[] token = tokens.get(request.getConnectionMetaData().getConnector());
      if (token == null) return true;
      String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
      if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
      // Constant time: the token must not leak through response timing.
      return MessageDigest.isEqual(token, auth.substring(7).strip().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** What a route answers. */
  private record Reply(int status, String contentType, String body) {}

  private static Reply json(int status, String body) {
    return new Reply(status, "application/json", body);
  }

  private static Reply object(int status, String name, long revision, String body) {
    ObjectNode o = JSON.createObjectNode();
    o.put("name", name);
    o.put("revision", revision);
    o.set("body", tree(body));
    return json(status, o.toString());
  }

  private static Reply refused(Result r) {
    return errors(r.status().http(), r.errors().stream().map(Diagnostic::toString).toList());
  }

  private static Reply missing(Kind kind, String name) {
    return errors(404, List.of(kind.key() + "/" + name + " does not exist"));
  }

  private static Reply notAllowed(String method, String path) {
    return errors(405, List.of(method + " is not allowed on " + path));
  }

  private static Reply errors(int status, List<String> messages) {
    ObjectNode o = JSON.createObjectNode();
    var arr = o.putArray("errors");
    messages.forEach(arr::add);
    return json(status, o.toString());
  }

  /** A stored body as JSON, whether it was stored as JSON or YAML. */
  private static JsonNode tree(String body) {
    Object value = body.isBlank() ? Map.of() : new Load(LoadSettings.builder().build()).loadFromString(body);
    return JSON.valueToTree(value);
  }

}
