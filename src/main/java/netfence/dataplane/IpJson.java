package netfence.dataplane;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;

/** Parsing {@code ip -j} output, and addresses in one canonical text form. */
final class IpJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private IpJson() {}

  static JsonNode parse(String json, String what) {
    try {
      JsonNode n = JSON.readTree(json.isBlank() ? "[]" : json);
      if (!n.isArray()) throw new ApplyException(what + ": expected a JSON array, got " + abbreviate(json));
      return n;
    } catch (JsonProcessingException e) {
      throw new ApplyException(what + ": not JSON (" + e.getOriginalMessage() + "): " + abbreviate(json));
    }
  }

  /**
   * An address or prefix as RFC 5952 / dotted text; a prefix of full length
   * ({@code /32}, {@code /128}) becomes the plain address. Text that is not
   * an address comes back unchanged.
   */
  static String canonical(String text) {
    IPAddress a = new IPAddressString(text).getAddress();
    if (a == null) return text;
    Integer len = a.getNetworkPrefixLength();
    if (len != null && len == a.getBitCount()) a = a.withoutPrefixLength();
    return a.toCanonicalString();
  }

  /** {@code addr/len} with the length always written ({@code 10.0.0.5} becomes {@code 10.0.0.5/32}). */
  static String withLength(String text) {
    IPAddress a = new IPAddressString(text).getAddress();
    if (a == null) return text;
    int len = a.getNetworkPrefixLength() == null ? a.getBitCount() : a.getNetworkPrefixLength();
    return a.getLower().withoutPrefixLength().toCanonicalString() + "/" + len;
  }

  private static String abbreviate(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
