package netfence.dataplane;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The links of a namespace as {@code ip -j -d link show} reports them: name, bridge master, up, kind. */
final class LinkState {
  /** One link; {@code kind} is the {@code info_kind} ({@code bridge}, {@code veth}, ...) or empty. */
  record Link(String name, Optional<String> master, boolean up, String kind) {}

  private final Map<String, Link> links;

  private LinkState(Map<String, Link> links) {
    this.links = links;
  }

  static LinkState read(Netns ns) {
    var r = ns.exec("ip", "-j", "-d", "link", "show");
    if (!r.ok()) throw new ApplyException("reading links failed: " + r.stderr().strip());
    return parse(r.stdout());
  }

  static LinkState parse(String json) {
    var links = new LinkedHashMap<String, Link>();
    for (JsonNode l : IpJson.parse(json, "ip -j -d link show")) {
      boolean up = false;
      for (JsonNode f : l.path("flags")) up |= f.asText().equals("UP");
      String name = l.path("ifname").asText();
      links.put(name, new Link(name, Optional.ofNullable(l.path("master").textValue()), up,
          l.path("linkinfo").path("info_kind").asText("")));
    }
    return new LinkState(links);
  }

  Optional<Link> get(String name) {
    return Optional.ofNullable(links.get(name));
  }

  boolean exists(String name) {
    return links.containsKey(name);
  }

  Iterable<Link> all() {
    return links.values();
  }
}
