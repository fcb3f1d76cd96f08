package netfence.policy;

import inet.ipaddr.IPAddress;
import inet.ipaddr.mac.MACAddress;
import java.util.List;
import java.util.stream.Stream;
import netfence.model.AddressPlan;
import netfence.model.Network;
import netfence.model.VmInterface;

/**
 * One VM interface on a host: the tap netfence filters, and everything the
 * VM may send from it. {@code addresses} are exact sources (hash-set
 * elements); {@code prefixes} are routed prefixes (interval-set elements).
 */
public record Port(String vm, int index, int interfaceNumber, Network network, VmInterface iface) {
  public String tap() {
    return iface.tap();
  }

  public MACAddress mac() {
    return iface.mac();
  }

  /** Exact source addresses of one family; for IPv6 the EUI-64 link-local comes first. */
  public List<IPAddress> exactSources(boolean v4) {
    if (v4) return iface.ipv4Addresses();
    return Stream.concat(Stream.of(iface.linkLocal()), iface.ipv6Addresses().stream()).toList();
  }

  /** Routed prefixes of one family. */
  public List<IPAddress> prefixes(boolean v4) {
    return iface.routedPrefixes().stream().filter(p -> p.isIPv4() == v4).toList();
  }

  /** The VM's own IPv4 and IPv6 addresses (no link-local). */
  public List<IPAddress> addresses() {
    return iface.addresses();
  }

  public IPAddress linkLocal() {
    return iface.linkLocal();
  }

  public String macText() {
    return AddressPlan.text(iface.mac());
  }
}
