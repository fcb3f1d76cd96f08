package netfence.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import netfence.inventory.LibvirtDomain;

/**
 * What {@code POST /v1/libvirt/domains} makes of a libvirt domain: the VM body to put, from the
 * interfaces netfence manages, and the interfaces it leaves alone, each with why.
 *
 * <ul>
 *   <li>An interface on a bridge that one of the inventory's bridged networks names (any type:
 *       libvirt also writes the bridge of a {@code type='network'} interface into a running
 *       domain's XML) belongs to that network.
 *   <li>A tap of its own ({@code type='ethernet'}) belongs to the routed network the request names
 *       ({@code routed-network}, the hook's {@code NETFENCE_ROUTED_NETWORK}), when it names one.
 *   <li>Everything else (libvirt's {@code default} NAT network, a bridge no network names,
 *       {@code direct}, {@code user}, ...) is left alone. It is reported, and refused when the
 *       request says {@code unmanaged=error}.
 * </ul>
 *
 * <p>The tap, MAC and the addresses of the {@code IP}/{@code IPV6} filterref parameters are kept;
 * what is missing is allocated. An interface that names no tap, address or prefix and has the MAC
 * of an interface the VM already has in the store on the same network keeps that interface's tap,
 * addresses and routed prefixes: a domain started again is not re-addressed.
 */
final class LibvirtImport {
  private LibvirtImport() {}

  /** An interface of the domain that netfence leaves alone; {@code position} counts the domain's interfaces from 0. */
  record Unmanaged(int position, String type, Optional<String> mac, String why) {
    String describe(String domain) {
      return "domain %s: interface %d (type '%s'%s) is not netfence's and is left alone: %s".formatted(domain, position, type,
          mac.map(m -> ", MAC " + m).orElse(""), why);
    }
  }

  /** The VM body to put (empty when no interface is netfence's) and the interfaces left alone. */
  record Plan(Optional<ObjectNode> body, List<Unmanaged> unmanaged) {}

  /**
   * Plans the VM of {@code domain} on {@code host}.
   *
   * @param bridges the network of each bridge the inventory's bridged networks name
   * @param stored the VM's stored body, when it exists
   */
  static Plan plan(LibvirtDomain domain, String host, Optional<String> routedNetwork, Map<String, String> bridges, Optional<JsonNode> stored) {
    var body = Json.MAPPER.createObjectNode();
    body.put("host", host);
    ArrayNode interfaces = body.putArray("interfaces");
    var unmanaged = new ArrayList<Unmanaged>();
    int position = 0;
    for (var i : domain.interfaces()) {
      int at = position++;
      Optional<String> network = i.bridge().map(bridges::get);
      if (network.isEmpty() && i.type().equals("ethernet")) network = routedNetwork;
      if (network.isEmpty()) {
        unmanaged.add(new Unmanaged(at, i.type(), i.mac(), why(i)));
        continue;
      }
      var o = interfaces.addObject();
      o.put("network", network.get());
      i.tap().ifPresent(t -> o.put("tap", t));
      i.mac().ifPresent(m -> o.put("mac", m));
      if (!i.addresses().isEmpty()) i.addresses().forEach(o.putArray("addresses")::add);
      if (!i.routedPrefixes().isEmpty()) i.routedPrefixes().forEach(o.putArray("routed-prefixes")::add);
      if (i.tap().isEmpty() && i.addresses().isEmpty() && i.routedPrefixes().isEmpty()) keep(o, network.get(), i.mac(), stored);
    }
    return new Plan(interfaces.isEmpty() ? Optional.empty() : Optional.of(body), List.copyOf(unmanaged));
  }

  private static String why(LibvirtDomain.Interface i) {
    if (i.bridge().isPresent()) return "no network of the inventory uses bridge '" + i.bridge().get() + "'";
    return switch (i.type()) {
      case "network" -> "it is on a libvirt network (such as 'default'), not on a bridge of the inventory's networks";
      case "ethernet" -> "a tap of its own is taken only onto a routed network, and the request names none (routed-network, NETFENCE_ROUTED_NETWORK)";
      default -> "netfence filters bridge ports and routed taps, not interfaces of type '" + i.type() + "'";
    };
  }

  /** Copies tap, addresses and routed prefixes from the stored interface with this MAC on this network. */
  private static void keep(ObjectNode iface, String network, Optional<String> mac, Optional<JsonNode> stored) {
    if (mac.isEmpty() || stored.isEmpty()) return;
    for (JsonNode s : stored.get().path("interfaces")) {
      if (!s.path("network").asText().equals(network) || !s.path("mac").asText().toLowerCase(Locale.ROOT).equals(mac.get().toLowerCase(Locale.ROOT))) {
        continue;
      }
      for (String key : List.of("tap", "addresses", "routed-prefixes")) if (s.has(key)) iface.set(key, s.get(key).deepCopy());
      return;
    }
  }

  /** Which network each bridge belongs to, from the stored network bodies. */
  static Map<String, String> bridges(Map<String, String> networkBodies) {
    var out = new HashMap<String, String>();
    networkBodies.forEach((name, body) -> {
      try {
        JsonNode n = Json.MAPPER.readTree(body);
        if (n.path("mode").asText().equals("bridged") && n.path("bridge").isTextual()) out.put(n.path("bridge").asText(), name);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("a stored network body is not JSON: " + name, e);
      }
    });
    return out;
  }
}
