package netfence.api;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.io.Transport;

/**
 * A client of the API over its Unix domain socket, for the CLI. Responses are read as a stream:
 * there is no limit on their size (Jetty's buffering listener stops at 2 MiB).
 *
 * <pre>{@code
 * try (var api = ApiClient.unixSocket(Path.of("/run/netfence/netfence.sock"))) {
 *   ApiClient.Reply r = api.send("GET", "/v1/vms?limit=100", null);
 *   Status s = api.status();
 *   api.lines("/v1/events?since=7", line -> System.out.println(line));   // until the server ends it
 * }
 * }</pre>
 */
public final class ApiClient implements AutoCloseable {
  /** How long a request may take; a server that says nothing for longer is taken as gone. */
  private static final long TIMEOUT_SECONDS = 90;

  private final HttpClient http;
  private final Path socket;

  /** A response: the status and the body as text. */
  public record Reply(int status, String body) {}

  /** The service refused a request: the status, and the body that says why. */
  public static final class Refused extends Exception {
    private final Reply reply;

    Refused(Reply reply) {
      super("HTTP " + reply.status() + ": " + reply.body(), null, false, false);
      this.reply = reply;
    }

    public Reply reply() {
      return reply;
    }
  }

  private ApiClient(HttpClient http, Path socket) {
    this.http = http;
    this.socket = socket;
  }

  public static ApiClient unixSocket(Path socket) throws Exception {
    var http = new HttpClient();
    http.start();
    return new ApiClient(http, socket);
  }

  /**
   * Sends one request; {@code body} is JSON (or other text) or null.
   *
   * @throws ExecutionException when the service cannot be reached or the exchange fails
   */
  public Reply send(String method, String path, String body) throws Exception {
    var listener = open(method, path, body, TIMEOUT_SECONDS);
    try (InputStream in = listener.getInputStream()) {
      int status = response(listener).getStatus();
      return new Reply(status, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** {@code GET /v1/status} as its type. */
  public Status status() throws Exception {
    Reply r = send("GET", "/v1/status", null);
    if (r.status() != 200) throw new Refused(r);
    return Json.MAPPER.readValue(r.body(), Status.class);
  }

  /**
   * {@code GET path} and hands each line of the answer to {@code line} as it arrives (a change
   * feed), until the server ends the response. A refusal is thrown with its body.
   */
  public void lines(String path, Consumer<String> line) throws Exception {
    // No overall timeout: a feed lasts. The idle timeout notices a server that went away (it writes a bookmark every few seconds).
    var listener = open("GET", path, null, 0);
    try (InputStream in = listener.getInputStream()) {
      var response = response(listener);
      if (response.getStatus() != 200) throw new Refused(new Reply(response.getStatus(), new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String l; (l = reader.readLine()) != null; ) line.accept(l);
    }
  }

  private InputStreamResponseListener open(String method, String path, String body, long timeoutSeconds) {
    // The host is not used to connect (the transport is the socket) but HTTP/1.1 needs one.
    Request req = http.newRequest("http://localhost" + path).transport(new Transport.TCPUnix(socket)).method(method)
        .idleTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (timeoutSeconds > 0) req.timeout(timeoutSeconds, TimeUnit.SECONDS);
    if (body != null) req.body(new StringRequestContent("application/json", body, StandardCharsets.UTF_8));
    var listener = new InputStreamResponseListener();
    req.send(listener);
    return listener;
  }

  private static org.eclipse.jetty.client.Response response(InputStreamResponseListener listener) throws Exception {
    try {
      return listener.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new ExecutionException("the service did not answer within " + TIMEOUT_SECONDS + " s", e);
    }
  }

  @Override
  public void close() throws Exception {
    http.stop();
  }
}
