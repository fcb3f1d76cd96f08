package netfence.inventory;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import inet.ipaddr.MACAddressString;
import inet.ipaddr.mac.MACAddress;
import java.util.Optional;

/**
 * Strict parsing of addresses, prefixes and MACs from inventory scalars:
 * only the usual notations (no inet_aton forms, no leading zeros, no ranges
 * or wildcards), prefixes must be canonical.
 */
final class Literals {
  private static final IPAddressStringParameters STRICT = new IPAddressStringParameters.Builder()
      .allowEmpty(false)
      .allowAll(false)
      .allowSingleSegment(false)
      .allowMask(false)
      .allowWildcardedSeparator(false)
      .setRangeOptions(IPAddressStringParameters.RangeParameters.NO_RANGE)
      .getIPv4AddressParametersBuilder()
      .allow_inet_aton(false)
      .allowLeadingZeros(false)
      .allowUnlimitedLeadingZeros(false)
      .getParentBuilder()
      .getIPv6AddressParametersBuilder()
      .allowZone(false)
      .allowBinary(false)
      .getParentBuilder()
      .toParams();

  private static final java.util.regex.Pattern MAC_TEXT = java.util.regex.Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}");

  private Literals() {}

  /** A single address (no prefix length). */
  static Optional<IPAddress> address(Node.Scalar s, Problems problems) {
    Optional<IPAddress> a = parse(s, problems);
    if (a.isEmpty()) return a;
    if (a.get().getNetworkPrefixLength() != null) {
      problems.error(s.pos(), "'%s' is a prefix, expected a single address without '/length'", s.value());
      return Optional.empty();
    }
    return a;
  }

  /** A canonical prefix: host bits must be zero. */
  static Optional<IPAddress> prefix(Node.Scalar s, Problems problems) {
    Optional<IPAddress> a = parse(s, problems);
    if (a.isEmpty()) return a;
    IPAddress p = a.get();
    if (p.getNetworkPrefixLength() == null) {
      problems.error(s.pos(), "'%s' has no prefix length; expected a prefix such as 10.0.0.0/24", s.value());
      return Optional.empty();
    }
    if (!p.getLower().isZeroHost()) {
      problems.error(s.pos(), "prefix '%s' has host bits set; did you mean %s?", s.value(), p.toPrefixBlock().toCanonicalString());
      return Optional.empty();
    }
    return Optional.of(p.toPrefixBlock());
  }

  static Optional<MACAddress> mac(Node.Scalar s, Problems problems) {
    String v = s.value();
    if (!MAC_TEXT.matcher(v).matches()) {
      problems.error(s.pos(), "malformed MAC address '%s': expected six hex bytes separated by ':', e.g. 02:00:f0:a9:c4:4e", Names.printable(v));
      return Optional.empty();
    }
    MACAddress mac = new MACAddressString(v).getAddress();
    if (mac == null) {
      problems.error(s.pos(), "malformed MAC address '%s'", v);
      return Optional.empty();
    }
    if (mac.isMulticast()) {
      problems.error(s.pos(), "MAC address %s is multicast (lowest bit of the first byte set); a VM needs a unicast MAC", v);
      return Optional.empty();
    }
    if (mac.isZero()) {
      problems.error(s.pos(), "MAC address %s is all zeros", v);
      return Optional.empty();
    }
    return Optional.of(mac);
  }

  private static Optional<IPAddress> parse(Node.Scalar s, Problems problems) {
    try {
      IPAddress a = new IPAddressString(s.value(), STRICT).toAddress();
      if (a == null) throw new AddressStringException("not an address");
      return Optional.of(a);
    } catch (AddressStringException e) {
      problems.error(s.pos(), "'%s' is not a valid IP address or prefix", Names.printable(s.value()));
      return Optional.empty();
    }
  }
}
