package netfence.bench;

/**
 * Inventories of any size as YAML text, so the benchmark measures the same
 * path a user's file takes (parse, validate, compile).
 */
final class BenchInventory {
  private BenchInventory() {}

  /** {@code n} VMs on one shared bridge, each with an IPv4 and an IPv6 address; taps t1..tn. */
  static String bridged(int n) {
    var b = new StringBuilder(200 + n * 180);
    b.append("hosts:\n  hv1: {}\nnetworks:\n  br0:\n    mode: bridged\n    bridge: br0\n    shared: true\n")
        .append("    ipv4: 10.0.0.0/8\n    ipv6: fd00:1::/64\n    trusted-ports: [sink0]\nvms:\n");
    for (int i = 1; i <= n; i++) {
      b.append("  vm").append(i).append(":\n    host: hv1\n    index: ").append(i).append("\n    interfaces:\n")
          .append("      - network: br0\n        tap: t").append(i).append('\n')
          .append("        addresses: [").append(v4(i)).append(", \"fd00:1::").append(Integer.toHexString(i >> 16)).append(':').append(Integer.toHexString(i & 0xffff)).append("\"]\n");
    }
    return b.toString();
  }

  /** The same inventory as {@link #bridged} in JSON (which is YAML 1.2): what a machine-written inventory looks like. */
  static String bridgedJson(int n) {
    var b = new StringBuilder(200 + n * 150);
    b.append("{\"hosts\": {\"hv1\": {}},\n \"networks\": {\"br0\": {\"mode\": \"bridged\", \"bridge\": \"br0\", \"shared\": true, ")
        .append("\"ipv4\": \"10.0.0.0/8\", \"ipv6\": \"fd00:1::/64\", \"trusted-ports\": [\"sink0\"]}},\n \"vms\": {");
    for (int i = 1; i <= n; i++) {
      b.append(i == 1 ? "\n" : ",\n").append("  \"vm").append(i).append("\": {\"host\": \"hv1\", \"index\": ").append(i)
          .append(", \"interfaces\": [{\"network\": \"br0\", \"tap\": \"t").append(i).append("\", \"addresses\": [\"")
          .append(v4(i)).append("\", \"fd00:1::").append(Integer.toHexString(i >> 16)).append(':').append(Integer.toHexString(i & 0xffff))
          .append("\"]}]}");
    }
    return b.append("}}\n").toString();
  }

  /** {@code n} VMs on one routed network without NAT; taps vm1..vmn. */
  static String routed(int n) {
    var b = new StringBuilder(200 + n * 90);
    b.append("hosts:\n  hv1: {}\nnetworks:\n  vmnet:\n    mode: routed\n    ipv4: 10.0.0.0/8\n    ipv6: fd00:2::/64\nvms:\n");
    for (int i = 1; i <= n; i++) {
      b.append("  vm").append(i).append(":\n    host: hv1\n    index: ").append(i).append("\n    interfaces:\n      - network: vmnet\n");
    }
    return b.toString();
  }

  /**
   * {@code n} VMs, as a host of both kinds runs them: the first half on one shared bridge
   * (taps t1.., an IPv4 and an IPv6 address each), the second half on a routed network with
   * NAT out of the uplink (taps vm<i>, addresses from the index).
   */
  static String mixed(int n) {
    var b = new StringBuilder(300 + n * 160);
    b.append("hosts:\n  hv1:\n    uplink: up0\nnetworks:\n  br0:\n    mode: bridged\n    bridge: br0\n    shared: true\n")
        .append("    ipv4: 10.0.0.0/8\n    ipv6: fd00:1::/64\n    trusted-ports: [sink0]\n")
        .append("  vmnet:\n    mode: routed\n    ipv4: 172.16.0.0/12\n    ipv6: fd00:2::/64\n    nat: true\nvms:\n");
    for (int i = 1; i <= n; i++) {
      b.append("  vm").append(i).append(":\n    host: hv1\n    index: ").append(i).append("\n    interfaces:\n");
      if (i <= n / 2) {
        b.append("      - network: br0\n        tap: t").append(i).append('\n')
            .append("        addresses: [").append(v4(i)).append(", \"fd00:1::").append(Integer.toHexString(i >> 16)).append(':')
            .append(Integer.toHexString(i & 0xffff)).append("\"]\n");
      } else {
        b.append("      - network: vmnet\n");
      }
    }
    return b.toString();
  }

  /** Address {@code i} of 10.0.0.0/8. */
  static String v4(int i) {
    return "10." + ((i >> 16) & 0xff) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff);
  }
}
