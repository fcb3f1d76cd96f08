package netfence.model;

import inet.ipaddr.IPAddress;
import java.util.List;
import java.util.Optional;

/**
 * A bridged network: VMs' taps are ports of {@code bridge} on each host.
 * {@code trustedPorts} (an uplink, a VXLAN device) are exempt from filtering;
 * every other port not in the inventory gets nothing through. {@code shared}
 * records whether several tenants share it; both kinds are protected alike,
 * because a compromised VM attacks its neighbours whoever owns them.
 */
public record BridgedNetwork(
    String name,
    String bridge,
    boolean shared,
    Optional<IPAddress> ipv4,
    Optional<IPAddress> ipv6,
    List<String> trustedPorts,
    List<IPAddress> gateways,
    List<IPAddress> dns)
    implements Network {
  public BridgedNetwork {
    trustedPorts = List.copyOf(trustedPorts);
    gateways = List.copyOf(gateways);
    dns = List.copyOf(dns);
  }
}
