package netfence.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import netfence.testing.Examples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * schema/inventory.schema.json (JSON Schema 2020-12) against the examples,
 * which it must accept, and against inventories {@link InventoryReader}
 * rejects for a reason the schema can see on its own.
 */
class InventorySchemaTest {
  private static final Schema SCHEMA = load();

  private static Schema load() {
    try {
      String text = Files.readString(Path.of("schema/inventory.schema.json"));
      return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(text, InputFormat.JSON);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** YAML 1.2 core schema, as the reader reads it (so {@code yes} stays a string), as a JSON tree. */
  private static JsonNode yaml(String text) {
    Object doc = new Load(LoadSettings.builder().setSchema(new CoreSchema()).build()).loadFromString(text);
    return new ObjectMapper().valueToTree(doc);
  }

  private static List<String> errors(String yamlText) {
    return SCHEMA.validate(yaml(yamlText)).stream().map(Error::toString).toList();
  }

  static List<Path> examples() {
    return Examples.all();
  }

  @ParameterizedTest
  @MethodSource("examples")
  void everyExampleIsValid(Path example) throws IOException {
    assertThat(errors(Files.readString(example))).isEmpty();
  }

  @Test
  void schemaIsDraft202012() {
    assertThat(SCHEMA.getSchemaNode().get("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
  }

  private static final String MINIMAL = """
      hosts:
        hv1: {uplink: eth0}
      networks:
        vmnet: {mode: routed, ipv4: 10.0.0.0/24, nat: true}
        br0: {mode: bridged, bridge: br0, ipv6: "2001:db8::/64"}
      vms:
        a: {host: hv1, index: 1, interfaces: [{network: vmnet}, {network: br0, tap: t1, addresses: [slaac]}]}
      """;

  @Test
  void minimalInventoryIsValidForBothTheSchemaAndTheReader() {
    assertThat(errors(MINIMAL)).isEmpty();
    assertThat(InventoryReader.parse("inv.yaml", MINIMAL).diagnostics()).isEmpty();
  }

  /**
   * Each row changes one thing in {@link #MINIMAL}: the reader rejects the
   * result, and so must the schema, with an error at the JSON pointer given.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      uplink: eth0              | uplnk: eth0                       | /hosts/hv1
      uplink: eth0              | uplink: "e;0"                     | /hosts/hv1/uplink
      nat: true                 | nat: yes                          | /networks/vmnet/nat
      nat: true                 | nat: true, bridge: br9            | /networks/vmnet
      ipv4: 10.0.0.0/24, nat: true | nat: true                      | /networks/vmnet
      ipv4: 10.0.0.0/24         | ipv4: 10.0.0.0/33                 | /networks/vmnet/ipv4
      mode: bridged, bridge: br0 | mode: bridged                    | /networks/br0
      mode: bridged             | mode: switched                    | /networks/br0/mode
      bridge: br0,              | bridge: br0, nat: false,          | /networks/br0
      index: 1                  | index: '"1"'                      | /vms/a/index
      index: 1                  | index: 0                          | /vms/a/index
      index: 1                  | index: 16777216                   | /vms/a/index
      tap: t1                   | tap: tap-0123456789ab             | /vms/a/interfaces/1/tap
      tap: t1                   | tap: ..                           | /vms/a/interfaces/1/tap
      tap: t1                   | tap: t1, mac: 03:00:00:00:00:01   | /vms/a/interfaces/1/mac
      tap: t1                   | tap: t1, mac: 02-00-00-00-00-01   | /vms/a/interfaces/1/mac
      addresses: [slaac]        | adresses: [slaac]                 | /vms/a/interfaces/1
      addresses: [slaac]        | addresses: [slaac, slaac]         | /vms/a/interfaces/1/addresses
      addresses: [slaac]        | addresses: [10.0.0.1/32]          | /vms/a/interfaces/1/addresses/0
      '[{network: vmnet}, {network: br0, tap: t1, addresses: [slaac]}]' | '{network: vmnet}' | /vms/a/interfaces
      '  a: {'                  | '  a b: {'                        | /vms
      """)
  void whatTheReaderRejectsLocallyTheSchemaRejectsToo(String from, String to, String path) {
    String text = MINIMAL.replace(from, to);
    assertThat(text).as("the row must change the inventory").isNotEqualTo(MINIMAL);
    assertThat(InventoryReader.parse("inv.yaml", text).ok()).as("the reader rejects it").isFalse();
    assertThat(SCHEMA.validate(yaml(text))).as("schema errors").isNotEmpty()
        .anySatisfy(e -> assertThat(e.getInstanceLocation()).hasToString(path));
  }
}
