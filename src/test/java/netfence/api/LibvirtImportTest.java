package netfence.api;

import static netfence.api.ApiFixture.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import netfence.inventory.LibvirtDomain;
import netfence.store.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 9 and 11: the hook's endpoint, with interfaces netfence manages and interfaces it leaves alone. */
@Timeout(60)
class LibvirtImportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** A domain on netfence's bridge br0 (with a filterref address), on libvirt's NAT network 'default', and a routed tap. */
  static final String DOMAIN = """
      <domain type='kvm'>
        <name>web</name>
        <devices>
          <interface type='bridge'>
            <mac address='52:54:00:aa:bb:01'/>
            <source bridge='br0'/>
            <target dev='vnet7'/>
            <filterref filter='clean-traffic'><parameter name='IP' value='10.2.0.50'/></filterref>
          </interface>
          <interface type='network'>
            <mac address='52:54:00:aa:bb:02'/>
            <source network='default'/>
          </interface>
          <interface type='ethernet'>
            <mac address='52:54:00:aa:bb:03'/>
            <target dev='rt7'/>
          </interface>
        </devices>
      </domain>
      """;

  @Test
  void thePlanTakesBridgesOfTheInventoryAndRoutedTapsOnlyWithARoutedNetwork() {
    var domain = LibvirtDomain.parse(DOMAIN);
    var plan = LibvirtImport.plan(domain, "hv1", Optional.empty(), Map.of("br0", "br"), Optional.empty());
    assertThat(plan.body().orElseThrow().toString()).isEqualTo("{\"host\":\"hv1\",\"interfaces\":[{\"network\":\"br\",\"tap\":\"vnet7\","
        + "\"mac\":\"52:54:00:aa:bb:01\",\"addresses\":[\"10.2.0.50\"]}]}");
    assertThat(plan.unmanaged()).extracting(LibvirtImport.Unmanaged::position).containsExactly(1, 2);
    assertThat(plan.unmanaged().get(0).describe("web")).isEqualTo("domain web: interface 1 (type 'network', MAC 52:54:00:aa:bb:02) is not "
        + "netfence's and is left alone: it is on a libvirt network (such as 'default'), not on a bridge of the inventory's networks");
    assertThat(plan.unmanaged().get(1).why()).contains("routed-network");

    var routed = LibvirtImport.plan(domain, "hv1", Optional.of("vmnet"), Map.of("br0", "br"), Optional.empty());
    assertThat(routed.body().orElseThrow().path("interfaces").get(1).toString()).isEqualTo("{\"network\":\"vmnet\",\"tap\":\"rt7\",\"mac\":\"52:54:00:aa:bb:03\"}");
    assertThat(routed.unmanaged()).hasSize(1);

    // A bridge no network names is left alone too; a domain with nothing of netfence's has no body.
    var none = LibvirtImport.plan(domain, "hv1", Optional.empty(), Map.of("br9", "other"), Optional.empty());
    assertThat(none.body()).isEmpty();
    assertThat(none.unmanaged().get(0).why()).isEqualTo("no network of the inventory uses bridge 'br0'");
  }

  @Test
  void aDomainStartedAgainKeepsItsTapAndAddresses() throws Exception {
    String bare = """
        <domain><name>db</name><devices>
          <interface type='bridge'><mac address='52:54:00:AA:00:01'/><source bridge='br0'/></interface>
        </devices></domain>""";
    JsonNode stored = JSON.readTree("{\"host\":\"hv1\",\"index\":4,\"interfaces\":[{\"network\":\"br\",\"tap\":\"vm4\","
        + "\"mac\":\"52:54:00:aa:00:01\",\"addresses\":[\"10.2.0.9\"],\"routed-prefixes\":[\"10.9.0.0/24\"]}]}");
    var plan = LibvirtImport.plan(LibvirtDomain.parse(bare), "hv1", Optional.empty(), Map.of("br0", "br"), Optional.of(stored));
    assertThat(plan.body().orElseThrow().path("interfaces").get(0).toString()).isEqualTo("{\"network\":\"br\",\"mac\":\"52:54:00:AA:00:01\","
        + "\"tap\":\"vm4\",\"addresses\":[\"10.2.0.9\"],\"routed-prefixes\":[\"10.9.0.0/24\"]}");
    // Another MAC is another interface: nothing is carried over.
    var other = LibvirtImport.plan(LibvirtDomain.parse(bare.replace("AA:00:01", "AA:00:02")), "hv1", Optional.empty(), Map.of("br0", "br"),
        Optional.of(stored));
    assertThat(other.body().orElseThrow().path("interfaces").get(0).has("addresses")).isFalse();
  }

  @Test
  void theEndpointStoresTheManagedInterfacesAndSaysWhichItLeftAlone() throws Exception {
    try (var f = new ApiFixture(dir)) {
      var r = f.api.send("POST", "/v1/libvirt/domains?host=hv1", DOMAIN);
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      JsonNode answer = JSON.readTree(r.body());
      assertThat(answer.path("name").asText()).isEqualTo("web");
      assertThat(answer.at("/body/interfaces").size()).isEqualTo(1);
      assertThat(answer.at("/body/interfaces/0/tap").asText()).isEqualTo("vnet7");
      assertThat(answer.at("/body/index").asInt()).as("allocated").isPositive();
      assertThat(answer.at("/unmanaged/0").toString()).isEqualTo("{\"interface\":1,\"type\":\"network\",\"mac\":\"52:54:00:aa:bb:02\","
          + "\"why\":\"it is on a libvirt network (such as 'default'), not on a bridge of the inventory's networks\"}");
      assertThat(answer.at("/unmanaged/1/type").asText()).isEqualTo("ethernet");
      assertThat(f.log).anySatisfy(l -> assertThat(l).startsWith("netfence: api: domain web: interface 1 (type 'network'")
          .contains("left alone"));
      assertThat(f.state.get(Kind.VMS, "web").orElseThrow()).contains("10.2.0.50").doesNotContain("52:54:00:aa:bb:02");

      // Again, as at the next start: the same VM, 200.
      assertThat(f.api.send("POST", "/v1/libvirt/domains?host=hv1", DOMAIN).status()).isEqualTo(200);

      // unmanaged=error refuses the domain, and nothing changes.
      long before = f.state.revision();
      var strict = f.api.send("POST", "/v1/libvirt/domains?host=hv1&unmanaged=error", DOMAIN.replace("<name>web", "<name>web2"));
      assertThat(strict.status()).isEqualTo(422);
      assertThat(JSON.readTree(strict.body()).path("errors").toString()).contains("domain web2: interface 1 (type 'network'")
          .contains("unmanaged=error");
      assertThat(f.state.get(Kind.VMS, "web2")).isEmpty();
      assertThat(f.state.revision()).isEqualTo(before);

      // A VM the state service refuses (another VM's MAC): the hook's request fails.
      var clash = f.api.send("POST", "/v1/libvirt/domains?host=hv1", DOMAIN.replace("<name>web", "<name>copy").replace("vnet7", "vnet8")
          .replace("10.2.0.50", "10.2.0.51"));
      assertThat(clash.status()).isEqualTo(422);
      assertThat(clash.body()).contains("52:54:00:aa:bb:01");

      // Nothing of netfence's: 200, nothing stored, and said so.
      String nat = "<domain><name>natonly</name><devices><interface type='network'><source network='default'/></interface></devices></domain>";
      var none = f.api.send("POST", "/v1/libvirt/domains?host=hv1", nat);
      assertThat(none.status()).isEqualTo(200);
      assertThat(JSON.readTree(none.body()).path("note").asText()).isEqualTo("no interface of domain natonly is netfence's; nothing was stored");
      assertThat(f.state.get(Kind.VMS, "natonly")).isEmpty();

      // Bad requests: no host, bad XML, a domain name that cannot be a VM's, a nested document.
      assertThat(f.api.send("POST", "/v1/libvirt/domains", DOMAIN).body()).contains("query parameter 'host' is required");
      var broken = f.api.send("POST", "/v1/libvirt/domains?host=hv1", "<domain><name>x</name>");
      assertThat(broken.status()).isEqualTo(400);
      assertThat(broken.body()).contains("cannot read the domain XML");
      var badName = f.api.send("POST", "/v1/libvirt/domains?host=hv1", DOMAIN.replace("<name>web", "<name>my web"));
      assertThat(badName.status()).isEqualTo(422);
      assertThat(badName.body()).contains("VM name 'my web' is invalid");
      String deep = "<domain><name>d</name>" + "<a>".repeat(20_000) + "</a>".repeat(20_000) + "</domain>";
      var nested = f.api.send("POST", "/v1/libvirt/domains?host=hv1", deep);
      assertThat(nested.status()).isEqualTo(400);
      assertThat(JSON.readTree(nested.body()).path("errors").get(0).asText()).startsWith("cannot read the domain XML");
      assertThat(f.api.send("GET", "/v1/libvirt/domains", null).status()).isEqualTo(405);
      ok(f.api.send("GET", "/v1/status", null));
    }
  }
}
