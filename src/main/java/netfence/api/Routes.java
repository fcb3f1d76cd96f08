package netfence.api;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import netfence.inventory.Names;
import netfence.store.Kind;

/**
 * The routes the server serves (the OpenAPI document lists the same ones; a test checks it),
 * and the request path taken apart. The path is the RAW one, as the client sent it: Jetty's
 * decoded path drops {@code ;parameters} and decodes {@code %XX}, so {@code PUT /v1/vms/a;b}
 * would name VM {@code a}. An object name in a path is refused unless it is a valid name
 * written plainly.
 */
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
    all.add(new Route("GET", "/v1/events"));
    all.add(new Route("POST", "/v1/libvirt/domains"));
    all.add(new Route("GET", "/metrics"));
    ALL = List.copyOf(all);
  }

  /** What a request path addresses. */
  sealed interface Target {}

  /** {@code /v1/KIND} (a page of objects) or {@code /v1/KIND/NAME} (one object). */
  record Objects(Kind kind, Optional<String> name) implements Target {}

  /** A path without an object: {@code /v1/inventory}, {@code /v1/status}, {@code /metrics}, ... */
  record Fixed(String path) implements Target {}

  private static final List<String> FIXED = List.of("/v1/inventory", "/v1/status", "/v1/events", "/v1/libvirt/domains", "/metrics");

  /** Characters a valid name is written with; anything else in a name segment (';', '%', ...) is refused as it stands. */
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_.-]*");

  /**
   * The target of a raw request path; empty when no route has that path.
   *
   * @throws Refusal (400) when the path names an object with anything but a valid name
   */
  static Optional<Target> parse(String rawPath) throws Refusal {
    if (FIXED.contains(rawPath)) return Optional.of(new Fixed(rawPath));
    String[] parts = rawPath.split("/", -1);
    if (parts.length < 3 || parts.length > 4 || !parts[0].isEmpty() || !parts[1].equals("v1")) return Optional.empty();
    Optional<Kind> kind = Kind.of(parts[2]);
    if (kind.isEmpty()) return Optional.empty();
    if (parts.length == 3) return Optional.of(new Objects(kind.get(), Optional.empty()));
    return Optional.of(new Objects(kind.get(), Optional.of(name(kind.get().singular(), parts[3]))));
  }

  /** {@code raw} as a valid object name, or a 400 that says why not. */
  static String name(String what, String raw) throws Refusal {
    Optional<String> problem = PLAIN.matcher(raw).matches() ? Names.objectNameProblem(what, raw)
        : Optional.of(Names.objectNameProblem(what, raw).orElseThrow() + " (as sent, without decoding; ';', '%' and '/' are never part of a name)");
    if (problem.isPresent()) throw new Refusal(400, problem.get());
    return raw;
  }
}
