package netfence.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import netfence.inventory.Diagnostic;
import netfence.inventory.InventoryReader;
import netfence.model.Vm;
import netfence.store.StateStore.Change;
import netfence.store.StateStore.Kind;
import netfence.store.StateStore.Mutation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** A host, a routed network and a bridged /24 with a gateway and an IPv6 /64. */
  static SqliteStore seeded(Path dir) {
    var store = SqliteStore.open(dir);
    put(store, Kind.HOSTS, "hv1", "{\"uplink\": \"eth0\"}");
    put(store, Kind.NETWORKS, "vmnet", "{\"mode\": \"routed\", \"ipv4\": \"10.0.0.0/24\"}");
    put(store, Kind.NETWORKS, "br", "{\"mode\": \"bridged\", \"bridge\": \"br0\", \"ipv4\": \"198.51.100.0/24\", "
        + "\"ipv6\": \"2001:db8:1::/64\", \"gateways\": [\"198.51.100.1\"]}");
    return store;
  }

  static StateStore.Result put(StateStore store, Kind kind, String name, String body) {
    var r = store.apply(new Mutation.Put(kind, name, body));
    assertThat(r.errors()).as("errors of %s %s", kind, name).isEmpty();
    return r;
  }

  @Test
  void createReadReplaceDeleteAndRevision() throws Exception {
    try (var store = seeded(dir)) {
      assertThat(store.revision()).isEqualTo(3);
      var r = put(store, Kind.VMS, "web", "{\"host\": \"hv1\", \"index\": 5, \"interfaces\": [{\"network\": \"vmnet\"}]}");
      assertThat(r.revision()).isEqualTo(4);
      assertThat(store.names(Kind.VMS)).containsExactly("web");
      assertThat(store.inventory().vms()).extracting(Vm::index).containsExactly(5);
      JsonNode stored = JSON.readTree(store.get(Kind.VMS, "web").orElseThrow());
      assertThat(stored.at("/interfaces/0/tap").asText()).isEqualTo("vm5");
      assertThat(stored.at("/interfaces/0/mac").asText()).isEqualTo("02:6e:00:00:00:05");

      put(store, Kind.VMS, "db", "{\"host\": \"hv1\", \"index\": 6, \"interfaces\": [{\"network\": \"vmnet\"}]}");
      put(store, Kind.VMS, "web", "{\"host\": \"hv1\", \"index\": 7, \"interfaces\": [{\"network\": \"vmnet\"}]}");
      assertThat(store.names(Kind.VMS)).as("a replaced object keeps its place").containsExactly("web", "db");
      assertThat(store.inventory().vms()).extracting(Vm::name, Vm::index)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("web", 7), org.assertj.core.groups.Tuple.tuple("db", 6));

      assertThat(store.apply(new Mutation.Delete(Kind.VMS, "web")).ok()).isTrue();
      assertThat(store.get(Kind.VMS, "web")).isEmpty();
      assertThat(store.revision()).isEqualTo(7);
      var missing = store.apply(new Mutation.Delete(Kind.VMS, "web"));
      assertThat(missing.errors()).extracting(Diagnostic::toString).containsExactly("request:1:1: error: VM 'web' does not exist");
    }
    try (var again = SqliteStore.open(dir)) {
      assertThat(again.revision()).isEqualTo(7);
      assertThat(again.names(Kind.VMS)).containsExactly("db");
    }
  }

  @Test
  void errorsAreWhatCheckPrintsAtTheirPlaceInTheRequest() {
    try (var store = seeded(dir)) {
      put(store, Kind.VMS, "a", "{\"host\": \"hv1\", \"index\": 5, \"interfaces\": [{\"network\": \"vmnet\"}]}");
      String body = "{\n  \"host\": \"hv2\",\n  \"index\": 5,\n  \"interfaces\": [{\"network\": \"vmnet\", \"colour\": 1}]}";
      var r = store.apply(new Mutation.Put(Kind.VMS, "b", body));
      assertThat(r.ok()).isFalse();
      assertThat(store.revision()).as("nothing changed").isEqualTo(4);
      assertThat(store.get(Kind.VMS, "b")).isEmpty();

      // The same objects in one JSON file, checked as `netfence check` does.
      String file = "{\"hosts\": {\"hv1\": {\"uplink\": \"eth0\"}}, \"networks\": {\"vmnet\": {\"mode\": \"routed\", \"ipv4\": \"10.0.0.0/24\"}},"
          + " \"vms\": {\"a\": {\"host\": \"hv1\", \"index\": 5, \"interfaces\": [{\"network\": \"vmnet\"}]}, \"b\": " + body + "}}";
      var check = InventoryReader.parse("inv.json", file);
      assertThat(r.errors()).extracting(Diagnostic::message)
          .containsExactlyElementsOf(check.diagnostics().stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).map(Diagnostic::message).toList());
      assertThat(r.errors()).extracting(d -> d.pos().file()).containsOnly("request");
      assertThat(r.errors()).extracting(Diagnostic::toString).contains(
          "request:3:12: error: index 5 is already used by VM 'a' (line 1); indexes must be unique across the inventory");
    }
  }

  @Test
  void positionsAfterAllocatedFieldsAreThoseOfTheRequest() {
    try (var store = seeded(dir)) {
      // No index, no tap, no MAC: all are inserted on line 1, before the bad key on the same line.
      var r = store.apply(new Mutation.Put(Kind.VMS, "b", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"vmnet\", \"colour\": 1}]}"));
      assertThat(r.errors()).singleElement().satisfies(d -> {
        assertThat(d.pos().toString()).isEqualTo("request:1:53");
        assertThat(d.message()).contains("colour");
      });
    }
  }

  @Test
  void allocatesIndexTapMacAndAddresses() throws Exception {
    try (var store = seeded(dir)) {
      put(store, Kind.VMS, "fixed", "{\"host\": \"hv1\", \"index\": 1, \"interfaces\": [{\"network\": \"br\", \"tap\": \"t1\", "
          + "\"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"198.51.100.2\"], \"routed-prefixes\": [\"198.51.100.4/30\"]}]}");
      put(store, Kind.VMS, "b", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}, {\"network\": \"vmnet\"}]}");
      JsonNode b = JSON.readTree(store.get(Kind.VMS, "b").orElseThrow());
      assertThat(b.get("index").asInt()).isEqualTo(2);
      assertThat(b.at("/interfaces/0/tap").asText()).isEqualTo("vm2");
      assertThat(b.at("/interfaces/1/tap").asText()).isEqualTo("vm2-1");
      assertThat(b.at("/interfaces/0/mac").asText()).isEqualTo("02:6e:00:00:00:02");
      assertThat(b.at("/interfaces/1/mac").asText()).isEqualTo("02:6e:01:00:00:02");
      // .0 network, .1 gateway, .2 taken, .4-.7 routed to 'fixed': .3 is the lowest free.
      assertThat(JSON.convertValue(b.at("/interfaces/0/addresses"), List.class)).containsExactly("198.51.100.3", "slaac");
      assertThat(b.at("/interfaces/1/addresses").isMissingNode()).as("routed: index-derived").isTrue();

      put(store, Kind.VMS, "c", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
      assertThat(JSON.readTree(store.get(Kind.VMS, "c").orElseThrow()).at("/interfaces/0/addresses/0").asText()).isEqualTo("198.51.100.8");

      // Replacing without an index keeps the VM's index.
      put(store, Kind.VMS, "b", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
      assertThat(JSON.readTree(store.get(Kind.VMS, "b").orElseThrow()).get("index").asInt()).isEqualTo(2);
    }
  }

  @Test
  void theLastAddressBeforeBroadcastAndThenAClearError() {
    try (var store = SqliteStore.open(dir)) {
      put(store, Kind.HOSTS, "hv1", "{}");
      put(store, Kind.NETWORKS, "tiny", "{\"mode\": \"bridged\", \"bridge\": \"br0\", \"ipv4\": \"192.0.2.0/30\"}");
      put(store, Kind.VMS, "a", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"tiny\"}]}");
      put(store, Kind.VMS, "b", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"tiny\"}]}");
      assertThat(store.inventory().vms()).extracting(v -> v.interfaces().get(0).addresses().get(0).toString())
          .containsExactly("192.0.2.1", "192.0.2.2");
      var r = store.apply(new Mutation.Put(Kind.VMS, "c", "{\"host\": \"hv1\",\n \"interfaces\": [{\"network\": \"tiny\"}]}"));
      assertThat(r.errors()).extracting(Diagnostic::toString).containsExactly(
          "request:2:17: error: network 'tiny' has no free IPv4 address left in 192.0.2.0/30; give 'addresses' explicitly");
    }
  }

  @Test
  void deletingWhatVmsUseIsRefused() {
    try (var store = seeded(dir)) {
      put(store, Kind.VMS, "web", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"vmnet\"}]}");
      assertThat(store.apply(new Mutation.Delete(Kind.NETWORKS, "vmnet")).errors()).extracting(Diagnostic::toString).containsExactly(
          "request:1:1: error: network 'vmnet' is still used by VM(s) web; delete them or move them elsewhere first");
      assertThat(store.apply(new Mutation.Delete(Kind.HOSTS, "hv1")).ok()).isFalse();
      assertThat(store.apply(new Mutation.Delete(Kind.NETWORKS, "br")).ok()).isTrue();
    }
  }

  @Test
  void listenersSeeEachCommitWithBeforeAndAfter() {
    try (var store = seeded(dir)) {
      var changes = new CopyOnWriteArrayList<Change>();
      store.addListener(changes::add);
      put(store, Kind.VMS, "web", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"vmnet\"}]}");
      store.apply(new Mutation.Put(Kind.VMS, "bad", "{}"));
      assertThat(changes).singleElement().satisfies(c -> {
        assertThat(c.revision()).isEqualTo(4);
        assertThat(c.before().vms()).isEmpty();
        assertThat(c.after().vms()).extracting(Vm::name).containsExactly("web");
      });
    }
  }

  @Test
  void importsAnInventoryAndExportsOneThatCheckAccepts() throws Exception {
    Path inv = Path.of("examples/uncloud-bridge.yaml");
    try (var store = SqliteStore.open(dir)) {
      var r = store.importInventory(inv);
      assertThat(r.errors()).isEmpty();
      assertThat(store.revision()).isEqualTo(1);
      var original = InventoryReader.read(inv).inventory().orElseThrow();
      assertThat(store.inventory()).isEqualTo(original);
      String yaml = store.exportYaml();
      var check = InventoryReader.parse("export.yaml", yaml);
      assertThat(check.diagnostics()).filteredOn(d -> d.severity() == Diagnostic.Severity.ERROR).isEmpty();
      assertThat(check.inventory()).contains(original);
      assertThatThrownBy(() -> store.importInventory(inv)).hasMessageContaining("import needs an empty store");
    }
  }

  @Test
  void refusesToOpenAnInvalidStore() throws Exception {
    seeded(dir).close();
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStore.FILE))) {
      c.createStatement().execute("INSERT INTO objects (kind, name, body) VALUES ('vms', 'x', '{\"host\": \"nope\", \"index\": 1, \"interfaces\": []}')");
    }
    assertThatThrownBy(() -> SqliteStore.open(dir)).hasMessageContaining("refusing to start").hasMessageContaining("store:vms/x:1:");
  }

  @Test
  void concurrentCreationsAllocateDistinctValues() throws Exception {
    try (var store = SqliteStore.open(dir)) {
      put(store, Kind.HOSTS, "hv1", "{}");
      put(store, Kind.NETWORKS, "br", "{\"mode\": \"bridged\", \"bridge\": \"br0\", \"ipv4\": \"10.1.0.0/16\"}");
      long start = store.revision();
      var pool = Executors.newFixedThreadPool(16);
      var futures = new ArrayList<Future<StateStore.Result>>();
      for (int t = 0; t < 16; t++) {
        for (int i = 0; i < 25; i++) {
          String name = "t" + t + "-" + i;
          futures.add(pool.submit(() -> store.apply(new Mutation.Put(Kind.VMS, name, "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}"))));
        }
      }
      for (var f : futures) assertThat(f.get().errors()).isEmpty();
      pool.shutdown();
      assertThat(store.revision() - start).isEqualTo(400);
      var vms = store.inventory().vms();
      assertThat(vms).hasSize(400);
      assertThat(new HashSet<>(vms.stream().map(Vm::index).toList())).hasSize(400);
      assertThat(new HashSet<>(vms.stream().map(v -> v.interfaces().get(0).mac()).toList())).hasSize(400);
      assertThat(new HashSet<>(vms.stream().map(v -> v.interfaces().get(0).addresses()).toList())).hasSize(400);
    }
  }

  @Test
  void everyAcknowledgedChangeSurvivesAKill() throws Exception {
    seeded(dir).close();
    var cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), StoreCrashChild.class.getName(), dir.toString());
    Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    var acked = new ArrayList<String>();
    try (var out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (acked.size() < 50 && (line = out.readLine()) != null) {
        assertThat(line).startsWith("ack ");
        acked.add(line.substring(4));
      }
      child.destroyForcibly();
      child.waitFor();
    }
    assertThat(acked).hasSize(50);
    long revision;
    List<String> names;
    String yaml;
    try (var store = SqliteStore.open(dir)) {
      assertThat(store.names(Kind.VMS)).containsAll(acked);
      revision = store.revision();
      assertThat(revision).isGreaterThanOrEqualTo(3 + 50);
      assertThat(revision).isEqualTo(3 + store.names(Kind.VMS).size());
      names = store.names(Kind.VMS);
      yaml = store.exportYaml();
    }
    for (int i = 0; i < 2; i++) {
      try (var store = SqliteStore.open(dir)) {
        assertThat(store.revision()).isEqualTo(revision);
        assertThat(store.names(Kind.VMS)).isEqualTo(names);
        assertThat(store.exportYaml()).isEqualTo(yaml);
      }
    }
    assertThat(Files.exists(dir.resolve(SqliteStore.FILE))).isTrue();
  }
}
