package netfence.model;

import inet.ipaddr.IPAddress;
import java.util.List;
import java.util.Optional;

/**
 * A routed network (microvm.nix style): no bridge; every VM has its own tap,
 * the host puts the network's first address on each tap (/32, /128) and a
 * host route to the VM behind it. {@code nat} masquerades the IPv4 prefix out
 * of each host's uplink with one rule. {@code hostServices} are the only host
 * ports VMs may reach besides ICMP.
 */
public record RoutedNetwork(
    String name,
    Optional<IPAddress> ipv4,
    Optional<IPAddress> ipv6,
    boolean nat,
    List<IPAddress> dns,
    List<HostService> hostServices)
    implements Network {
  public RoutedNetwork {
    dns = List.copyOf(dns);
    hostServices = List.copyOf(hostServices);
  }

  /** The host's own IPv4 address on every tap of this network (the prefix's first address). */
  public Optional<IPAddress> hostIpv4() {
    return ipv4.map(AddressPlan::firstAddress);
  }

  /** The host's own IPv6 address on every tap of this network. */
  public Optional<IPAddress> hostIpv6() {
    return ipv6.map(AddressPlan::firstAddress);
  }
}
