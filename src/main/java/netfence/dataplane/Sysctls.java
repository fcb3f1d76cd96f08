package netfence.dataplane;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import netfence.policy.HostPolicy;
import netfence.policy.Port;

/**
 * The kernel settings routed networks need: forwarding for each family the
 * routed networks use, and on every routed tap that exists strict reverse
 * path filtering ({@code rp_filter=1}) and no router advertisements
 * ({@code accept_ra=0}). Read with one {@code sysctl -n}, written with one
 * {@code sysctl -w}, only what differs.
 */
record Sysctls(Map<String, String> writes, List<String> notes) {
  private static final String RP_ALL = "net.ipv4.conf.all.rp_filter";

  Sysctls {
    writes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(writes));
    notes = List.copyOf(notes);
  }

  static Sysctls plan(Netns ns, HostPolicy policy, LinkState links) {
    var want = new LinkedHashMap<String, String>();
    if (policy.routed().stream().anyMatch(r -> r.network().ipv4().isPresent())) want.put("net.ipv4.ip_forward", "1");
    if (policy.routed().stream().anyMatch(r -> r.network().ipv6().isPresent())) want.put("net.ipv6.conf.all.forwarding", "1");
    for (var routed : policy.routed()) {
      for (Port p : routed.ports()) {
        if (!links.exists(p.tap())) continue;
        want.putAll(tap(p.tap()));
      }
    }
    if (want.isEmpty()) return new Sysctls(Map.of(), List.of());
    var keys = new ArrayList<>(want.keySet());
    keys.add(RP_ALL);
    var cmd = new ArrayList<>(List.of("sysctl", "-n"));
    cmd.addAll(keys);
    var r = ns.exec(cmd, null);
    List<String> values = r.stdout().lines().toList();
    if (!r.ok() || values.size() != keys.size()) {
      throw new ApplyException("reading sysctls failed: " + r.stderr().strip());
    }
    var writes = new LinkedHashMap<String, String>();
    for (int i = 0; i < want.size(); i++) {
      if (!values.get(i).strip().equals(want.get(keys.get(i)))) writes.put(keys.get(i), want.get(keys.get(i)));
    }
    var notes = new ArrayList<String>();
    if (values.getLast().strip().equals("2")) {
      notes.add(RP_ALL + " is 2: the kernel uses the larger of 'all' and the tap's value, so the taps' reverse path"
          + " check is loose; netfence's nft source checks still hold");
    }
    return new Sysctls(writes, notes);
  }

  /** What one routed tap needs: strict reverse path filtering, no router advertisements. */
  static Map<String, String> tap(String tap) {
    var m = new LinkedHashMap<String, String>();
    m.put(key("net", "ipv4", "conf", tap, "rp_filter"), "1");
    m.put(key("net", "ipv6", "conf", tap, "accept_ra"), "0");
    return m;
  }

  /** The key of an interface's setting; names with a dot need the slash form. */
  private static String key(String... parts) {
    boolean dotted = java.util.Arrays.stream(parts).anyMatch(p -> p.contains("."));
    return String.join(dotted ? "/" : ".", parts);
  }

  /** Writes them all in one process. */
  void write(Netns ns) {
    if (writes.isEmpty()) return;
    var cmd = new ArrayList<>(List.of("sysctl", "-q", "-w"));
    writes.forEach((k, v) -> cmd.add(k + "=" + v));
    var r = ns.exec(cmd, null);
    if (!r.ok()) throw new ApplyException("sysctl -w failed: " + r.stderr().strip());
  }
}
