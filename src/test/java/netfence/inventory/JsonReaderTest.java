package netfence.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import netfence.testing.Examples;
import org.junit.jupiter.api.Test;

/** JSON inventories go through Jackson's streaming parser and are validated exactly like YAML ones. */
class JsonReaderTest {
  @Test
  void theSameInventoryAsJsonGivesTheSameModel() throws Exception {
    var yaml = Examples.load(Path.of("examples/uncloud-bridge.yaml"));
    String json = """
        {"hosts": {"hv1": {}},
         "networks": {"br100": {"mode": "bridged", "bridge": "br100", "shared": true, "ipv4": "198.51.100.0/24",
                                "ipv6": "2a0a:e5c1:111:888::/64", "trusted-ports": ["vxlan100"]}},
         "vms": {
           "vm1": {"host": "hv1", "index": 1, "interfaces": [{"network": "br100", "tap": "tap1", "mac": "02:00:f0:a9:c4:4e",
                   "addresses": ["slaac", "198.51.100.11"]}]},
           "vm2": {"host": "hv1", "index": 2, "interfaces": [{"network": "br100", "tap": "v343a-0", "mac": "02:00:f0:a9:c4:4f",
                   "addresses": ["2a0a:e5c1:111:888:0:f0ff:fea9:c44f", "198.51.100.12"],
                   "routed-prefixes": ["2a0a:e5c1:111:1234::/64", "203.0.113.16/28"]}]},
           "vm3": {"host": "hv1", "index": 3, "interfaces": [{"network": "br100", "tap": "tap3", "mac": "02:00:f0:a9:c4:50",
                   "addresses": ["slaac"]}]}}}
        """;
    var r = InventoryReader.parse("inv.json", json);
    assertThat(r.diagnostics()).isEmpty();
    assertThat(r.inventory()).contains(yaml);
  }

  @Test
  void errorsHaveJsonPositionsAndAllAreReported() {
    String json = """
        {"hosts": {"hv1": {}},
         "networks": {"n": {"mode": "routed", "ipv4": "10.0.0.1/24", "nat": "yes"}},
         "vms": {"a": {"host": "hv2", "index": 1, "index": 2, "interfaces": [{"network": "n"}]}}}
        """;
    var r = InventoryReader.parse("inv.json", json);
    assertThat(r.diagnostics()).extracting(Diagnostic::toString).containsExactly(
        "inv.json:2:47: error: prefix '10.0.0.1/24' has host bits set; did you mean 10.0.0.0/24?",
        "inv.json:2:69: error: 'nat' must be true or false, found a string 'yes'",
        "inv.json:3:24: error: VM 'a' runs on undefined host 'hv2'; did you mean 'hv1'?",
        "inv.json:3:43: error: duplicate key 'index' (first defined at line 3)");
  }

  @Test
  void aSyntaxErrorIsReportedWithItsPosition() {
    var r = InventoryReader.parse("inv.json", "{\"hosts\": {\"hv1\": {}},\n \"vms\": [}");
    assertThat(r.ok()).isFalse();
    assertThat(r.diagnostics()).singleElement().satisfies(d -> {
      assertThat(d.toString()).startsWith("inv.json:2:");
      assertThat(d.message()).startsWith("JSON syntax:");
    });
  }

  @Test
  void fragmentsAreValidatedTogetherWithPositionsInTheirOwnSource() {
    var r = InventoryReader.fromFragments(List.of(
        new InventoryReader.Fragment("hosts", "hv1", "store:hosts/hv1", "{}"),
        new InventoryReader.Fragment("networks", "vmnet", "store:networks/vmnet", "{\"mode\": \"routed\", \"ipv4\": \"10.0.0.0/24\"}"),
        new InventoryReader.Fragment("vms", "a", "store:vms/a", "{\"host\": \"hv1\", \"index\": 5, \"interfaces\": [{\"network\": \"vmnet\"}]}"),
        new InventoryReader.Fragment("vms", "b", "request", "{\n  \"host\": \"hv1\",\n  \"index\": 5,\n  \"interfaces\": [{\"network\": \"vmnet\"}]}")));
    assertThat(r.diagnostics()).extracting(Diagnostic::toString).containsExactly(
        "request:3:12: error: index 5 is already used by VM 'a' (line 1); indexes must be unique across the inventory");
  }
}
