package netfence.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LibvirtDomainTest {
  @Test
  void readsNameMacBridgeTapAndTheFilterrefAddresses() {
    var d = LibvirtDomain.parse("""
        <domain type='kvm'>
          <name>web</name>
          <devices>
            <interface type='bridge'>
              <mac address='52:54:00:6b:3c:01'/>
              <source bridge='br0'/>
              <target dev='vnet0'/>
              <filterref filter='clean-traffic'>
                <parameter name='IP' value='192.0.2.22'/>
                <parameter name='IPV6' value='2001:db8:42::22'/>
                <parameter name='MAC' value='52:54:00:6b:3c:01'/>
              </filterref>
            </interface>
            <interface type='ethernet'>
              <target dev='vm7' managed='no'/>
            </interface>
          </devices>
        </domain>
        """);
    assertThat(d.name()).isEqualTo("web");
    assertThat(d.interfaces()).containsExactly(
        new LibvirtDomain.Interface("bridge", Optional.of("52:54:00:6b:3c:01"), Optional.of("br0"), Optional.of("vnet0"),
            List.of("192.0.2.22", "2001:db8:42::22"), List.of()),
        new LibvirtDomain.Interface("ethernet", Optional.empty(), Optional.empty(), Optional.of("vm7"), List.of(), List.of()));
  }

  @Test
  void refusesDoctypesAndWhatIsNotADomain() {
    assertThatThrownBy(() -> LibvirtDomain.parse("<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain><name>&x;</name></domain>"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DOCTYPE");
    assertThatThrownBy(() -> LibvirtDomain.parse("<network><name>x</name></network>"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a libvirt domain");
  }
}
