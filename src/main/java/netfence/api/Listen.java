package netfence.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;

/** Where the API listens. */
public sealed interface Listen {
  /** A Unix domain socket; access is the socket file's mode (owner and group only). */
  record UnixSocket(Path path) implements Listen {}

  /** A TCP address; every {@code /v1} request (and {@code /metrics}, unless opted out) must carry the bearer token. */
  record Tcp(String host, int port, String token) implements Listen {
    public Tcp {
      if (token.isBlank()) throw new IllegalArgumentException("token must not be blank: TCP needs a bearer token");
    }
  }

  /**
   * The bearer token in {@code file}, which only its owner may read or write: a token that group
   * or others can read is no secret, so it is refused (IllegalArgumentException) rather than used.
   */
  static String token(Path file) throws IOException {
    var perms = Files.getPosixFilePermissions(file);
    var open = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.OTHERS_WRITE);
    open.retainAll(perms);
    if (!open.isEmpty()) {
      throw new IllegalArgumentException("the token file %s is open to group or others (%s); make it private: chmod 600 %s"
          .formatted(file, PosixFilePermissions.toString(perms), file));
    }
    return Files.readString(file, StandardCharsets.UTF_8);
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
