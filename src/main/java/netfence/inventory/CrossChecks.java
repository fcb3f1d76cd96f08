package netfence.inventory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import netfence.inventory.InventoryDecoder.Located;
import netfence.model.Host;
import netfence.model.Network;
import netfence.model.RoutedNetwork;

/**
 * Checks that span objects, for a whole file: the VMs are added to
 * {@link Claims} in document order (so a conflict is reported at the later
 * of the two), and NAT needs an uplink on every host that runs a VM of a NAT
 * network.
 */
final class CrossChecks {
  static final String NAT_WITHOUT_UPLINK =
      "network '%s' has nat: true, but host '%s' (which runs VM '%s' on it) has no uplink to masquerade out of";

  private final Problems problems;
  private final Map<String, Host> hosts;
  private final Map<String, Network> networks;
  private final Map<String, Map<String, Pos>> networkKeys;

  CrossChecks(Problems problems, Map<String, Host> hosts, Map<String, Network> networks, Map<String, Map<String, Pos>> networkKeys) {
    this.problems = problems;
    this.hosts = hosts;
    this.networks = networks;
    this.networkKeys = networkKeys;
  }

  /** {@code indexes} holds every VM whose index parsed, even one whose other fields did not, in document order. */
  void check(List<Located> vms, List<InventoryDecoder.IndexUse> indexes) {
    var claims = Claims.of(hosts, networks, networkKeys);
    var located = new HashMap<String, Located>();
    for (var v : vms) located.put(v.vm().name(), v);
    claims.bridgesFirst(vms, problems);
    for (var use : indexes) {
      Located v = located.get(use.vm());
      if (v != null) claims.add(v, problems, true);
      else claims.indexOnly(use, problems);
    }
    nat(vms);
  }

  private void nat(List<Located> vms) {
    var reported = new HashMap<String, Boolean>();
    for (var v : vms) {
      for (var i : v.interfaces()) {
        if (networks.get(i.iface().network()) instanceof RoutedNetwork r && r.nat()) {
          Host h = hosts.get(v.vm().host());
          if (h != null && h.uplink().isEmpty() && reported.putIfAbsent(r.name() + "@" + h.name(), true) == null) {
            problems.error(networkKeys.get(r.name()).get("nat"), NAT_WITHOUT_UPLINK, r.name(), h.name(), v.vm().name());
          }
        }
      }
    }
  }
}
