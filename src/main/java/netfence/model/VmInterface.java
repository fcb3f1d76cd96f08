package netfence.model;

import inet.ipaddr.IPAddress;
import inet.ipaddr.mac.MACAddress;
import java.util.List;

/**
 * One interface of a VM, fully resolved: the host-side tap, the MAC, every
 * address the VM may use as a source (explicit, SLAAC or index-derived; no
 * link-local) and the prefixes routed to it. {@code slaac} says the guest
 * autoconfigures its IPv6 address rather than setting it statically.
 */
public record VmInterface(
    String network, String tap, MACAddress mac, List<IPAddress> addresses, List<IPAddress> routedPrefixes, boolean slaac) {
  public VmInterface {
    addresses = List.copyOf(addresses);
    routedPrefixes = List.copyOf(routedPrefixes);
  }

  /** The EUI-64 link-local address of this interface's MAC. */
  public IPAddress linkLocal() {
    return AddressPlan.linkLocal(mac);
  }

  public List<IPAddress> ipv4Addresses() {
    return addresses.stream().filter(IPAddress::isIPv4).toList();
  }

  public List<IPAddress> ipv6Addresses() {
    return addresses.stream().filter(IPAddress::isIPv6).toList();
  }
}
