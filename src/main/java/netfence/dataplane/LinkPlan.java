package netfence.dataplane;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;
import netfence.policy.HostPolicy;
import netfence.policy.Port;

/**
 * What the links need: guarded bridges that exist and are up, the VM taps
 * and trusted ports that exist attached to their bridge and up (routed taps
 * up too), and the ports found on guarded bridges that the inventory does
 * not know: they go into {@code foreign_ports}. Filtering never waits for a
 * tap to exist; a tap that is missing is simply configured by a later apply.
 */
record LinkPlan(List<String> batch, List<String> foreignPorts) {
  /** What nft can hold as a quoted name without escaping: the inventory's own rule for interface names. */
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

  LinkPlan {
    batch = List.copyOf(batch);
    foreignPorts = List.copyOf(foreignPorts);
  }

  static LinkPlan of(HostPolicy policy, LinkState links) {
    var batch = new ArrayList<String>();
    var guarded = new HashSet<String>();
    var known = new HashSet<String>(); // every port the inventory puts on one of this host's guarded bridges
    for (var bridge : policy.bridges()) {
      String br = bridge.name();
      guarded.add(br);
      var link = links.get(br);
      if (link.isEmpty()) {
        batch.add("link add " + br + " type bridge");
        batch.add("link set " + br + " up");
      } else if (!link.get().kind().equals("bridge")) {
        throw new ApplyException(br + " exists but is a " + (link.get().kind().isEmpty() ? "device" : link.get().kind())
            + ", not a bridge");
      } else if (!link.get().up()) {
        batch.add("link set " + br + " up");
      }
      var ports = new LinkedHashSet<String>(bridge.network().trustedPorts());
      bridge.ports().stream().map(Port::tap).forEach(ports::add);
      known.addAll(ports);
      for (String port : ports) {
        links.get(port).ifPresent(l -> {
          if (!l.master().equals(java.util.Optional.of(br))) batch.add("link set " + port + " master " + br);
          if (!l.up()) batch.add("link set " + port + " up");
        });
      }
    }
    for (var routed : policy.routed()) {
      for (Port p : routed.ports()) {
        links.get(p.tap()).filter(l -> !l.up()).ifPresent(l -> batch.add("link set " + p.tap() + " up"));
      }
    }
    var foreign = new ArrayList<String>();
    for (var l : links.all()) {
      if (l.master().isPresent() && guarded.contains(l.master().get()) && !known.contains(l.name())) {
        if (!SAFE_NAME.matcher(l.name()).matches()) {
          throw new ApplyException("port '" + printable(l.name()) + "' on guarded bridge " + l.master().get()
              + " has a name nft cannot hold safely; rename or remove it");
        }
        foreign.add(l.name());
      }
    }
    return new LinkPlan(batch, foreign.stream().sorted().toList());
  }

  private static String printable(String s) {
    var b = new StringBuilder();
    s.codePoints().forEach(c -> {
      if (c < 0x20 || c == 0x7f || c == '\'') b.append("\\x%02x".formatted(c));
      else b.appendCodePoint(c);
    });
    return b.toString();
  }
}
