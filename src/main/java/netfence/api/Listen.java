package netfence.api;

import java.nio.file.Path;

/** Where the API listens. */
public sealed interface Listen {
  /** A Unix domain socket; access is the socket file's mode (owner and group only). */
  record UnixSocket(Path path) implements Listen {}

  /** A TCP address; every {@code /v1} request must carry the bearer token. */
  record Tcp(String host, int port, String token) implements Listen {
    public Tcp {
      if (token.isBlank()) throw new IllegalArgumentException("token must not be blank: TCP needs a bearer token");
    }
  }

  /** Parses {@code HOST:PORT} (IPv6 hosts in brackets). */
  static Tcp tcp(String hostPort, String token) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) throw new IllegalArgumentException("listen address (" + hostPort + ") must be HOST:PORT");
    String host = hostPort.substring(0, colon).replaceAll("^\\[|\\]$", "");
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("listen address (" + hostPort + ") must end in a port number", e);
    }
    if (port < 0 || port > 65535) throw new IllegalArgumentException("port (" + port + ") must be 0..65535");
    return new Tcp(host, port, token);
  }
}
