package netfence.api;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import netfence.state.StateService;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;

/**
 * The REST API over a {@link StateService}, as described in {@code openapi/netfence-v1.yaml}.
 *
 * <pre>{@code
 * var listen = List.<Listen>of(new Listen.UnixSocket(Path.of("/run/netfence/netfence.sock")));
 * try (var server = ApiServer.start(state, listen, AgentView.NONE, ApiServer.Settings.DEFAULTS, System.err::println)) {
 *   server.join();
 * }
 * }</pre>
 *
 * <p>On the Unix socket nobody is asked for a token: the socket's mode (0660) decides who may
 * connect. On TCP every {@code /v1} request, reads included, needs {@code Authorization: Bearer
 * TOKEN}, because the inventory is a map of the network; so does {@code /metrics}, unless
 * {@link Settings#metricsWithoutToken} opens it for scrapers. A socket another process still
 * answers on is never taken over; one left by a process that died is replaced.
 */
public final class ApiServer implements AutoCloseable {
  /** How long connections may stay silent; longer than any wait a request may ask for, and than the feed's heartbeat. */
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

  private final Server server;
  private final Api api;

  /**
   * How the server treats its clients.
   *
   * @param busyTimeout how long a change may wait in the state service's queue before it is withdrawn (503)
   * @param heartbeat how often a change feed with nothing to send writes a bookmark (and so notices a client that went away)
   * @param metricsWithoutToken whether {@code /metrics} on TCP is open to anyone (a deliberate opt-out)
   */
  public record Settings(Duration busyTimeout, Duration heartbeat, boolean metricsWithoutToken) {
    public Settings {
      if (busyTimeout.isNegative() || busyTimeout.isZero()) throw new IllegalArgumentException("busyTimeout (" + busyTimeout + ") must be positive");
      if (heartbeat.isNegative() || heartbeat.isZero() || heartbeat.compareTo(IDLE_TIMEOUT) >= 0) {
        throw new IllegalArgumentException("heartbeat (" + heartbeat + ") must be positive and shorter than " + IDLE_TIMEOUT);
      }
    }

    public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(10), Duration.ofSeconds(15), false);

    public Settings withMetricsWithoutToken(boolean open) {
      return new Settings(busyTimeout, heartbeat, open);
    }
  }

  private ApiServer(Server server, Api api) {
    this.server = server;
    this.api = api;
  }

  /** Starts serving with the default settings, logging to stderr. */
  public static ApiServer start(StateService state, List<Listen> listeners, AgentView agent) throws Exception {
    return start(state, listeners, agent, Settings.DEFAULTS, line -> System.err.println(line));
  }

  /**
   * Starts serving; returns once every listener is bound. Refuses (IllegalStateException) a socket path
   * that another process answers on, or that is not a socket.
   */
  public static ApiServer start(StateService state, List<Listen> listeners, AgentView agent, Settings settings, Consumer<String> log)
      throws Exception {
    if (listeners.isEmpty()) throw new IllegalArgumentException("listeners must name at least one socket or address");
    var server = new Server();
    var tokens = new HashMap<Connector, byte[]>();
    var sockets = new ArrayList<Path>();
    for (Listen l : listeners) {
      switch (l) {
        case Listen.UnixSocket u -> {
          Files.createDirectories(u.path().toAbsolutePath().getParent());
          claim(u.path(), log);
          var c = new UnixDomainServerConnector(server);
          c.setUnixDomainPath(u.path());
          c.setIdleTimeout(IDLE_TIMEOUT.toMillis());
          server.addConnector(c);
          sockets.add(u.path());
        }
        case Listen.Tcp t -> {
          var c = new ServerConnector(server);
          c.setHost(t.host());
          c.setPort(t.port());
          c.setIdleTimeout(IDLE_TIMEOUT.toMillis());
          server.addConnector(c);
          tokens.put(c, t.token().strip().getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    var metrics = new ApiMetrics();
    var api = new Api(state, agent, Map.copyOf(tokens), settings, metrics, log);
    server.setHandler(api);
    server.setErrorHandler(new JettyErrors(metrics, log));
    server.start();
    for (Path p : sockets) Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-rw----"));
    return new ApiServer(server, api);
  }

  /**
   * Makes {@code socket} free to bind: nothing there, or a socket nobody answers on (left by a
   * process that died), which is removed. A live socket, or a file that is not a socket, is refused
   * (IllegalStateException). {@link #start} does it; a service calls it first too, before it
   * touches anything else.
   */
  public static void claim(Path socket, Consumer<String> log) throws IOException {
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) return;
    int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if ((mode & 0170000) != 0140000) throw new IllegalStateException(socket + " exists and is not a socket; refusing to replace it");
    try (var probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(socket));
    } catch (ConnectException e) {
      log.accept("netfence: removing the stale socket " + socket + " (nobody answers on it)");
      Files.delete(socket);
      return;
    }
    throw new IllegalStateException("another process answers on " + socket + "; stop it first (one socket, one netfence serve)");
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
    api.close();
    server.stop();
  }
}
