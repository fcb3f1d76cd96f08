package netfence.api;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.io.Transport;

/**
 * A client of the API over its Unix domain socket, for the CLI.
 *
 * <pre>{@code
 * try (var api = ApiClient.unixSocket(Path.of("/run/netfence/netfence.sock"))) {
 *   var r = api.send("GET", "/v1/vms", null);
 * }
 * }</pre>
 */
public final class ApiClient implements AutoCloseable {
  private final HttpClient http;
  private final Path socket;

  /** A response: the status and the body as text. */
  public record Reply(int status, String body) {}

  private ApiClient(HttpClient http, Path socket) {
    this.http = http;
    this.socket = socket;
  }

  public static ApiClient unixSocket(Path socket) throws Exception {
    var http = new HttpClient();
    http.start();
    return new ApiClient(http, socket);
  }

  /** Sends one request; {@code body} is JSON or null. */
  public Reply send(String method, String path, String body) throws Exception {
    // The host is not used to connect (the transport is the socket) but HTTP/1.1 needs one.
    var req = http.newRequest("http://localhost" + path).transport(new Transport.TCPUnix(socket)).method(method)
        .timeout(60, TimeUnit.SECONDS);
    if (body != null) req.body(new StringRequestContent("application/json", body, StandardCharsets.UTF_8));
    var r = req.send();
    return new Reply(r.getStatus(), r.getContentAsString());
  }

  @Override
  public void close() throws Exception {
    http.stop();
  }
}
