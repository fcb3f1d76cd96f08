package netfence.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.MACAddressString;
import inet.ipaddr.mac.MACAddress;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class AddressPlanTest {
  private static IPAddress ip(String s) {
    return new IPAddressString(s).getAddress();
  }

  private static MACAddress mac(String s) {
    return new MACAddressString(s).getAddress();
  }

  @Test
  void routedAddressesAreTheIndexInThePrefix() {
    assertThat(AddressPlan.nth(ip("10.0.0.0/24"), 5)).map(AddressPlan::text).contains("10.0.0.5");
    assertThat(AddressPlan.nth(ip("fd00:0:0:1::/64"), 26)).map(AddressPlan::text).contains("fd00:0:0:1::1a");
  }

  @Test
  void indexOutsideThePrefixHasNoAddress() {
    assertThat(AddressPlan.nth(ip("10.0.0.0/24"), 255)).map(AddressPlan::text).contains("10.0.0.255");
    assertThat(AddressPlan.nth(ip("10.0.0.0/24"), 256)).isEmpty();
    assertThat(AddressPlan.nth(ip("10.0.0.0/24"), -1)).isEmpty();
    assertThat(AddressPlan.maxIndex(ip("10.0.0.0/24"))).isEqualTo(BigInteger.valueOf(255));
  }

  @Test
  void hostTakesTheFirstAddress() {
    assertThat(AddressPlan.text(AddressPlan.firstAddress(ip("fd00:0:0:1::/64")))).isEqualTo("fd00:0:0:1::");
    assertThat(AddressPlan.text(AddressPlan.firstAddress(ip("10.0.0.0/24")))).isEqualTo("10.0.0.0");
  }

  @Test
  void defaultTapIsVmAndTheIndex() {
    assertThat(AddressPlan.defaultTap(5)).isEqualTo("vm5");
  }

  @Test
  void defaultMacIsLocalUnicastWithInterfaceAndIndex() {
    assertThat(AddressPlan.text(AddressPlan.defaultMac(5, 0))).isEqualTo("02:6e:00:00:00:05");
    assertThat(AddressPlan.text(AddressPlan.defaultMac(AddressPlan.MAX_INDEX, 255))).isEqualTo("02:6e:ff:ff:ff:ff");
    assertThat(AddressPlan.text(AddressPlan.defaultMac(0x012345, 2))).isEqualTo("02:6e:02:01:23:45");
    assertThat(AddressPlan.defaultMac(1, 0).isMulticast()).isFalse();
    assertThat(AddressPlan.defaultMac(1, 0).isLocal()).isTrue();
  }

  @Test
  void defaultMacRejectsWhatDoesNotFit() {
    assertThatThrownBy(() -> AddressPlan.defaultMac(0, 0)).hasMessage("index (0) must be 1..16777215");
    assertThatThrownBy(() -> AddressPlan.defaultMac(AddressPlan.MAX_INDEX + 1, 0)).hasMessage("index (16777216) must be 1..16777215");
    assertThatThrownBy(() -> AddressPlan.defaultMac(1, 256)).hasMessage("interfaceNumber (256) must be 0..255");
  }

  @Test
  void slaacIsTheEui64OfTheMacInTheSlash64() {
    assertThat(AddressPlan.text(AddressPlan.slaac(ip("2a0a:e5c1:111:888::/64"), mac("02:00:f0:a9:c4:4e"))))
        .isEqualTo("2a0a:e5c1:111:888:0:f0ff:fea9:c44e");
    // The universal/local bit is inverted: 52:54:00 becomes 5054:00ff.
    assertThat(AddressPlan.text(AddressPlan.slaac(ip("2001:db8:42::/64"), mac("52:54:00:6b:3c:02"))))
        .isEqualTo("2001:db8:42:0:5054:ff:fe6b:3c02");
  }

  @Test
  void slaacNeedsAnIpv6Slash64() {
    assertThatThrownBy(() -> AddressPlan.slaac(ip("2001:db8::/56"), mac("02:00:f0:a9:c4:4e")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SLAAC needs an IPv6 /64");
    assertThatThrownBy(() -> AddressPlan.slaac(ip("10.0.0.0/24"), mac("02:00:f0:a9:c4:4e")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void linkLocalIsTheEui64InFe80() {
    assertThat(AddressPlan.text(AddressPlan.linkLocal(mac("02:00:f0:a9:c4:4e")))).isEqualTo("fe80::f0ff:fea9:c44e");
  }

  @Test
  void textIsCanonical() {
    assertThat(AddressPlan.text(ip("2001:DB8:0:0:0::1"))).isEqualTo("2001:db8::1");
    assertThat(AddressPlan.text(ip("2001:db8::/64"))).isEqualTo("2001:db8::/64");
    assertThat(AddressPlan.text(mac("02:00:F0:A9:C4:4E"))).isEqualTo("02:00:f0:a9:c4:4e");
  }
}
