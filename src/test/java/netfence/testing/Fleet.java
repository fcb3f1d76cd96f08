package netfence.testing;

/** A generated inventory of any size, as JSON (the fast path of the reader), for tests at fleet scale. */
public final class Fleet {
  private Fleet() {}

  /** {@code n} VMs {@code vm000001}.. on host {@code hv1} and the routed network {@code vmnet} (10.0.0.0/8), names sorting by index. */
  public static String routedJson(int n) {
    var b = new StringBuilder(200 + n * 90);
    b.append("{\"hosts\": {\"hv1\": {}}, \"networks\": {\"vmnet\": {\"mode\": \"routed\", \"ipv4\": \"10.0.0.0/8\"}}, \"vms\": {");
    for (int i = 1; i <= n; i++) {
      b.append(i == 1 ? "\n" : ",\n").append('"').append(name(i)).append("\": {\"host\": \"hv1\", \"index\": ").append(i)
          .append(", \"interfaces\": [{\"network\": \"vmnet\"}]}");
    }
    return b.append("}}\n").toString();
  }

  /** The name of VM {@code i}. */
  public static String name(int i) {
    return "vm%06d".formatted(i);
  }
}
