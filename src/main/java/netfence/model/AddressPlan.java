package netfence.model;

import inet.ipaddr.IPAddress;
import inet.ipaddr.ipv6.IPv6Address;
import inet.ipaddr.mac.MACAddress;
import java.math.BigInteger;
import java.util.Optional;

/**
 * How a VM's index turns into addresses, a tap name and a MAC, and how a MAC
 * turns into SLAAC and link-local addresses.
 *
 * <ul>
 *   <li>Routed VM {@code n} gets the prefix's address {@code n} ({@code 10.0.0.0/24}, 5 → {@code
 *       10.0.0.5}; {@code fd00:0:0:1::/64}, 26 → {@code fd00:0:0:1::1a}); the host gets address 0.
 *   <li>The default tap of VM {@code n} is {@code vm<n>}.
 *   <li>The default MAC of interface {@code i} (0-based) of VM {@code n} is {@code
 *       02:6e:ii:nn:nn:nn}: locally administered unicast, "n" (0x6e) for netfence, the interface
 *       number, then the index in 24 bits; indexes therefore go up to 16,777,215.
 * </ul>
 */
public final class AddressPlan {
  /** The largest index a VM can have: the default MAC has 24 bits for it. */
  public static final int MAX_INDEX = (1 << 24) - 1;

  /** The highest interface number with a default MAC: the MAC has one byte for it. */
  public static final int MAX_INTERFACE = 255;

  private AddressPlan() {}

  /** The first address of a prefix, without prefix length. */
  public static IPAddress firstAddress(IPAddress prefix) {
    return prefix.getLower().withoutPrefixLength();
  }

  /** Address number {@code n} of the prefix, or empty when it does not fit. */
  public static Optional<IPAddress> nth(IPAddress prefix, long n) {
    BigInteger size = prefix.toPrefixBlock().getCount();
    if (n < 0 || BigInteger.valueOf(n).compareTo(size) >= 0) return Optional.empty();
    return Optional.of(firstAddress(prefix).increment(n).withoutPrefixLength());
  }

  /** The highest index a routed prefix can address ({@code 255} for a /24). */
  public static BigInteger maxIndex(IPAddress prefix) {
    return prefix.toPrefixBlock().getCount().subtract(BigInteger.ONE);
  }

  public static String defaultTap(int index) {
    return "vm" + index;
  }

  public static MACAddress defaultMac(int index, int interfaceNumber) {
    if (index < 1 || index > MAX_INDEX) throw new IllegalArgumentException("index (" + index + ") must be 1.." + MAX_INDEX);
    if (interfaceNumber < 0 || interfaceNumber > MAX_INTERFACE)
      throw new IllegalArgumentException("interfaceNumber (" + interfaceNumber + ") must be 0.." + MAX_INTERFACE);
    byte[] b = {
      0x02, 0x6e, (byte) interfaceNumber, (byte) (index >>> 16), (byte) (index >>> 8), (byte) index
    };
    return new MACAddress(b);
  }

  /** The EUI-64 address of {@code mac} in a /64 {@code prefix}. */
  public static IPAddress slaac(IPAddress prefix, MACAddress mac) {
    if (!prefix.isIPv6() || prefix.getNetworkPrefixLength() == null || prefix.getNetworkPrefixLength() != 64)
      throw new IllegalArgumentException("SLAAC needs an IPv6 /64, not " + prefix);
    return new IPv6Address(prefix.toIPv6().getLower().withoutPrefixLength(), mac).withoutPrefixLength();
  }

  /** The EUI-64 link-local address (fe80::/64) of {@code mac}. */
  public static IPAddress linkLocal(MACAddress mac) {
    return mac.toLinkLocalIPv6().withoutPrefixLength();
  }

  /** Canonical text of an address or prefix: RFC 5952 for IPv6, prefix length only on prefixes. */
  public static String text(IPAddress a) {
    return a.toCanonicalString();
  }

  /** Canonical text of a MAC: lower-case, colon-separated. */
  public static String text(MACAddress mac) {
    return mac.toColonDelimitedString();
  }
}
