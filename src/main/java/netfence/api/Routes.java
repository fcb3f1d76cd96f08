package netfence.api;

import java.util.List;
import java.util.Optional;
import netfence.store.Kind;

/** The routes the server serves; the OpenAPI document lists the same ones (a test checks it). */
final class Routes {
  private Routes() {}

  /** One route: a method and a path template as OpenAPI writes it. */
  record Route(String method, String template) {}

  static final List<Route> ALL;

  static {
    var all = new java.util.ArrayList<Route>();
    for (Kind k : Kind.values()) {
      all.add(new Route("GET", "/v1/" + k.key()));
      for (String m : List.of("GET", "PUT", "DELETE")) all.add(new Route(m, "/v1/" + k.key() + "/{name}"));
    }
    all.add(new Route("GET", "/v1/inventory"));
    all.add(new Route("GET", "/v1/status"));
    all.add(new Route("GET", "/metrics"));
    ALL = List.copyOf(all);
  }

  /** A request path taken apart: the kind and, for one object, its name. */
  record Target(Kind kind, Optional<String> name) {}

  static Optional<Target> objects(String path) {
    String[] parts = path.split("/", -1);
    if (parts.length < 3 || parts.length > 4 || !parts[0].isEmpty() || !parts[1].equals("v1")) return Optional.empty();
    for (Kind k : Kind.values()) {
      if (!k.key().equals(parts[2])) continue;
      if (parts.length == 3) return Optional.of(new Target(k, Optional.empty()));
      return parts[3].isEmpty() ? Optional.empty() : Optional.of(new Target(k, Optional.of(parts[3])));
    }
    return Optional.empty();
  }
}
