package netfence.state;

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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import netfence.inventory.Diagnostic;
import netfence.inventory.InventoryReader;
import netfence.model.Vm;
import netfence.store.Kind;
import netfence.store.SqliteStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateServiceTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
  }

  private StateService open() {
    var store = SqliteStore.open(dir);
    open.add(store);
    var state = StateService.open(store, System.err::println);
    open.add(state);
    return state;
  }

  private void reopen() throws Exception {
    close();
    open.clear();
  }

  /** A host, a routed network and a bridged /24 with a gateway and an IPv6 /64. */
  private StateService seeded() {
    var state = open();
    put(state, Kind.HOSTS, "hv1", "{\"uplink\": \"eth0\"}");
    put(state, Kind.NETWORKS, "vmnet", "{\"mode\": \"routed\", \"ipv4\": \"10.0.0.0/24\"}");
    put(state, Kind.NETWORKS, "br", "{\"mode\": \"bridged\", \"bridge\": \"br0\", \"ipv4\": \"198.51.100.0/24\", "
        + "\"ipv6\": \"2001:db8:1::/64\", \"gateways\": [\"198.51.100.1\"]}");
    return state;
  }

  static Result put(StateService state, Kind kind, String name, String body) {
    var r = state.submit(new Mutation.Put(kind, name, body)).join();
    assertThat(r.errors()).as("errors of %s %s", kind, name).isEmpty();
    return r;
  }

  static Result apply(StateService state, Mutation m) {
    return state.submit(m).join();
  }

  @Test
  void createReadReplaceDeleteAndRevision() throws Exception {
    var state = seeded();
    assertThat(state.revision()).isEqualTo(3);
    var r = put(state, Kind.VMS, "web", "{\"host\": \"hv1\", \"index\": 5, \"interfaces\": [{\"network\": \"vmnet\"}]}");
    assertThat(r.revision()).isEqualTo(4);
    assertThat(state.list(Kind.VMS, Optional.empty(), 10)).containsOnlyKeys("web");
    assertThat(state.inventory().vms()).extracting(Vm::index).containsExactly(5);
    JsonNode stored = JSON.readTree(state.get(Kind.VMS, "web").orElseThrow());
    assertThat(stored.at("/interfaces/0/tap").asText()).isEqualTo("vm5");
    assertThat(stored.at("/interfaces/0/mac").asText()).isEqualTo("02:6e:00:00:00:05");

    put(state, Kind.VMS, "db", "{\"host\": \"hv1\", \"index\": 6, \"interfaces\": [{\"network\": \"vmnet\"}]}");
    put(state, Kind.VMS, "web", "{\"host\": \"hv1\", \"index\": 7, \"interfaces\": [{\"network\": \"vmnet\"}]}");
    assertThat(state.inventory().vms()).extracting(Vm::name, Vm::index)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("db", 6), org.assertj.core.groups.Tuple.tuple("web", 7));
    // The index web gave up is free again.
    put(state, Kind.VMS, "x", "{\"host\": \"hv1\", \"index\": 5, \"interfaces\": [{\"network\": \"vmnet\"}]}");

    assertThat(apply(state, new Mutation.Delete(Kind.VMS, "web")).ok()).isTrue();
    assertThat(state.get(Kind.VMS, "web")).isEmpty();
    assertThat(state.revision()).isEqualTo(8);
    var missing = apply(state, new Mutation.Delete(Kind.VMS, "web"));
    assertThat(missing.status()).isEqualTo(Result.Status.NOT_FOUND);
    assertThat(missing.errors()).extracting(Diagnostic::toString).containsExactly("request:1:1: error: VM 'web' does not exist");

    reopen();
    var again = open();
    assertThat(again.revision()).isEqualTo(8);
    assertThat(again.list(Kind.VMS, Optional.empty(), 10)).containsOnlyKeys("db", "x");
  }

  @Test
  void errorsAreWhatCheckPrintsAtTheirPlaceInTheRequest() {
    var state = seeded();
    put(state, Kind.VMS, "a", "{\"host\": \"hv1\", \"index\": 5, \"interfaces\": [{\"network\": \"vmnet\"}]}");
    String body = "{\n  \"host\": \"hv2\",\n  \"index\": 5,\n  \"interfaces\": [{\"network\": \"vmnet\", \"colour\": 1}]}";
    var r = apply(state, new Mutation.Put(Kind.VMS, "b", body));
    assertThat(r.status()).isEqualTo(Result.Status.REJECTED);
    assertThat(state.revision()).as("nothing changed").isEqualTo(4);
    assertThat(state.get(Kind.VMS, "b")).isEmpty();

    // The same objects in one JSON file, checked as `netfence check` does.
    String file = "{\"hosts\": {\"hv1\": {\"uplink\": \"eth0\"}}, \"networks\": {\"vmnet\": {\"mode\": \"routed\", \"ipv4\": \"10.0.0.0/24\"}},"
        + " \"vms\": {\"a\": {\"host\": \"hv1\", \"index\": 5, \"interfaces\": [{\"network\": \"vmnet\"}]}, \"b\": " + body + "}}";
    var check = InventoryReader.parse("inv.json", file);
    assertThat(r.errors()).extracting(Diagnostic::message)
        .containsExactlyInAnyOrderElementsOf(check.diagnostics().stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).map(Diagnostic::message).toList());
    assertThat(r.errors()).extracting(d -> d.pos().file()).containsOnly("request");
    assertThat(r.errors()).extracting(Diagnostic::toString).contains(
        "request:3:12: error: index 5 is already used by VM 'a' (line 1); indexes must be unique across the inventory");
  }

  @Test
  void conflictsWithOtherVmsAreReportedAtTheRequest() {
    var state = seeded();
    put(state, Kind.VMS, "a", "{\"host\": \"hv1\", \"index\": 1, \"interfaces\": [{\"network\": \"br\", \"tap\": \"t1\", "
        + "\"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"198.51.100.10\"], \"routed-prefixes\": [\"198.51.100.128/25\"]}]}");
    var r = apply(state, new Mutation.Put(Kind.VMS, "b", "{\"host\": \"hv1\", \"index\": 2, \"interfaces\": [{\"network\": \"br\",\n"
        + "\"tap\": \"t1\", \"mac\": \"02:00:00:00:00:01\",\n\"addresses\": [\"198.51.100.10\", \"198.51.100.200\"],\n"
        + "\"routed-prefixes\": [\"198.51.100.0/28\"]}]}"));
    assertThat(r.errors()).extracting(Diagnostic::toString).containsExactly(
        "request:2:8: error: tap 't1' on host 'hv1' is already the tap of VM 'a' (interface 0, line 1)",
        "request:2:21: error: MAC 02:00:00:00:00:01 is already used by VM 'a' (interface 0, line 1)",
        "request:3:15: error: address 198.51.100.10 is already used by VM 'a' (interface 0, line 1)",
        "request:3:32: error: address 198.51.100.200 is inside routed prefix 198.51.100.128/25 of VM 'a' (interface 0, line 1)",
        "request:4:21: error: routed prefix 198.51.100.0/28 contains address 198.51.100.10 of VM 'a' (interface 0, line 1)");
    // Nothing of b was claimed: a VM that takes none of it is fine, and a is unchanged.
    put(state, Kind.VMS, "c", "{\"host\": \"hv1\", \"index\": 2, \"interfaces\": [{\"network\": \"br\", \"addresses\": [\"198.51.100.20\"]}]}");
    // A VM replaced by itself does not conflict with itself.
    put(state, Kind.VMS, "a", "{\"host\": \"hv1\", \"index\": 1, \"interfaces\": [{\"network\": \"br\", \"tap\": \"t1\", "
        + "\"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"198.51.100.10\"], \"routed-prefixes\": [\"198.51.100.128/25\"]}]}");
    // A refused replacement leaves the VM's claims as they were.
    var bad = apply(state, new Mutation.Put(Kind.VMS, "a", "{\"host\": \"hv1\", \"index\": 2, \"interfaces\": [{\"network\": \"br\"}]}"));
    assertThat(bad.status()).isEqualTo(Result.Status.REJECTED);
    var stillTaken = apply(state, new Mutation.Put(Kind.VMS, "d", "{\"host\": \"hv1\", \"index\": 9, \"interfaces\": [{\"network\": \"br\", "
        + "\"addresses\": [\"198.51.100.10\"]}]}"));
    assertThat(stillTaken.errors()).extracting(Diagnostic::message).containsExactly("address 198.51.100.10 is already used by VM 'a' (interface 0, line 1)");
  }

  @Test
  void positionsAfterAllocatedFieldsAreThoseOfTheRequest() {
    var state = seeded();
    // No index, no tap, no MAC: all are allocated, and the bad key keeps its own place.
    var r = apply(state, new Mutation.Put(Kind.VMS, "b", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"vmnet\", \"colour\": 1}]}"));
    assertThat(r.errors()).singleElement().satisfies(d -> {
      assertThat(d.pos().toString()).isEqualTo("request:1:53");
      assertThat(d.message()).contains("colour");
    });
  }

  @Test
  void allocatesIndexTapMacAndAddresses() throws Exception {
    var state = seeded();
    put(state, Kind.VMS, "fixed", "{\"host\": \"hv1\", \"index\": 1, \"interfaces\": [{\"network\": \"br\", \"tap\": \"t1\", "
        + "\"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"198.51.100.2\"], \"routed-prefixes\": [\"198.51.100.4/30\"]}]}");
    put(state, Kind.VMS, "b", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}, {\"network\": \"vmnet\"}]}");
    JsonNode b = JSON.readTree(state.get(Kind.VMS, "b").orElseThrow());
    assertThat(b.get("index").asInt()).isEqualTo(2);
    assertThat(b.at("/interfaces/0/tap").asText()).isEqualTo("vm2");
    assertThat(b.at("/interfaces/1/tap").asText()).isEqualTo("vm2-1");
    assertThat(b.at("/interfaces/0/mac").asText()).isEqualTo("02:6e:00:00:00:02");
    assertThat(b.at("/interfaces/1/mac").asText()).isEqualTo("02:6e:01:00:00:02");
    // .0 network, .1 gateway, .2 taken, .4-.7 routed to 'fixed': .3 is the lowest free.
    assertThat(JSON.convertValue(b.at("/interfaces/0/addresses"), List.class)).containsExactly("198.51.100.3", "slaac");
    assertThat(b.at("/interfaces/1/addresses").isMissingNode()).as("routed: index-derived").isTrue();

    put(state, Kind.VMS, "c", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
    assertThat(JSON.readTree(state.get(Kind.VMS, "c").orElseThrow()).at("/interfaces/0/addresses/0").asText()).isEqualTo("198.51.100.8");

    // Replacing without an index keeps the VM's index, and without addresses its address.
    put(state, Kind.VMS, "b", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
    JsonNode again = JSON.readTree(state.get(Kind.VMS, "b").orElseThrow());
    assertThat(again.get("index").asInt()).isEqualTo(2);
    assertThat(again.at("/interfaces/0/addresses/0").asText()).isEqualTo("198.51.100.3");

    // A deleted VM's address is free again, and it is the lowest.
    assertThat(apply(state, new Mutation.Delete(Kind.VMS, "b")).ok()).isTrue();
    put(state, Kind.VMS, "d", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
    assertThat(JSON.readTree(state.get(Kind.VMS, "d").orElseThrow()).at("/interfaces/0/addresses/0").asText()).isEqualTo("198.51.100.3");
  }

  @Test
  void yamlBodiesAreAllocatedAndStoredCanonically() throws Exception {
    var state = seeded();
    String padded = " ".repeat(10_000) + "{ \"host\" :\n\n \"hv1\",   \"interfaces\": [ {\"network\": \"br\"} ] }" + "\n".repeat(1000);
    put(state, Kind.VMS, "j", padded);
    assertThat(state.get(Kind.VMS, "j").orElseThrow()).doesNotContain(" ").startsWith("{\"index\":1,");
    put(state, Kind.VMS, "y", "host: hv1\ninterfaces:\n  - network: br\n    routed-prefixes: [198.51.100.128/25]\n");
    JsonNode y = JSON.readTree(state.get(Kind.VMS, "y").orElseThrow());
    assertThat(y.get("index").asInt()).isEqualTo(2);
    assertThat(y.at("/interfaces/0/mac").asText()).isEqualTo("02:6e:00:00:00:02");
    put(state, Kind.HOSTS, "hv2", "uplink: eth1   # a comment\n");
    assertThat(state.get(Kind.HOSTS, "hv2")).contains("{\"uplink\":\"eth1\"}");
  }

  @Test
  void theLastAddressBeforeBroadcastAndThenAClearError() {
    var state = open();
    put(state, Kind.HOSTS, "hv1", "{}");
    put(state, Kind.NETWORKS, "tiny", "{\"mode\": \"bridged\", \"bridge\": \"br0\", \"ipv4\": \"192.0.2.0/30\"}");
    put(state, Kind.VMS, "a", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"tiny\"}]}");
    put(state, Kind.VMS, "b", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"tiny\"}]}");
    assertThat(state.inventory().vms()).extracting(v -> v.interfaces().get(0).addresses().get(0).toString())
        .containsExactly("192.0.2.1", "192.0.2.2");
    var r = apply(state, new Mutation.Put(Kind.VMS, "c", "{\"host\": \"hv1\",\n \"interfaces\": [{\"network\": \"tiny\"}]}"));
    assertThat(r.errors()).extracting(Diagnostic::toString).containsExactly(
        "request:2:17: error: network 'tiny' has no free IPv4 address left in 192.0.2.0/30; give 'addresses' explicitly");
  }

  @Test
  void deletingWhatVmsUseIsRefused() {
    var state = seeded();
    put(state, Kind.VMS, "web", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"vmnet\"}]}");
    assertThat(apply(state, new Mutation.Delete(Kind.NETWORKS, "vmnet")).errors()).extracting(Diagnostic::toString).containsExactly(
        "request:1:1: error: network 'vmnet' is still used by VM(s) web; delete them or move them elsewhere first");
    assertThat(apply(state, new Mutation.Delete(Kind.HOSTS, "hv1")).ok()).isFalse();
    assertThat(apply(state, new Mutation.Delete(Kind.NETWORKS, "br")).ok()).isTrue();
  }

  @Test
  void aNetworkChangeRevalidatesItsVmsAndTellsWhatChanged() {
    var state = seeded();
    put(state, Kind.VMS, "web", "{\"host\": \"hv1\", \"index\": 5, \"interfaces\": [{\"network\": \"vmnet\"}]}");
    var changes = new CopyOnWriteArrayList<Change>();
    var started = new CountDownLatch(1);
    open.add(state.subscribe(Optional.empty(), v -> started.countDown(), changes::add));
    // Too small for index 5: refused, with the VM's error at its stored place.
    var r = apply(state, new Mutation.Put(Kind.NETWORKS, "vmnet", "{\"mode\": \"routed\", \"ipv4\": \"10.0.0.0/30\"}"));
    assertThat(r.errors()).extracting(Diagnostic::toString).anyMatch(s -> s.startsWith("store:vms/web:1:") && s.contains("does not fit"));
    put(state, Kind.NETWORKS, "vmnet", "{\"mode\": \"routed\", \"ipv4\": \"10.9.0.0/24\"}");
    await(() -> changes.size() == 1);
    assertThat(changes.getFirst().deltas()).hasSize(2).satisfies(ds -> {
      assertThat(ds.get(0)).isInstanceOf(Change.NetworkDelta.class);
      assertThat(((Change.VmDelta) ds.get(1)).after().orElseThrow().interfaces().get(0).addresses().get(0).toString()).isEqualTo("10.9.0.5");
    });
  }

  @Test
  void subscribersStartFromAViewAndSeeEveryLaterChangeInOrderForTheirHost() throws Exception {
    var state = seeded();
    put(state, Kind.HOSTS, "hv2", "{}");
    put(state, Kind.VMS, "early", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
    var views = new CompletableFuture<View>();
    var changes = new CopyOnWriteArrayList<Change>();
    open.add(state.subscribe(Optional.of("hv1"), views::complete, changes::add));
    assertThat(views.get(5, TimeUnit.SECONDS).vms()).containsOnlyKeys("early");
    long from = views.get().revision();
    put(state, Kind.VMS, "web", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
    put(state, Kind.VMS, "other", "{\"host\": \"hv2\", \"interfaces\": [{\"network\": \"br\"}]}");
    apply(state, new Mutation.Put(Kind.VMS, "bad", "{}"));
    put(state, Kind.VMS, "web", "{\"host\": \"hv2\", \"interfaces\": [{\"network\": \"br\"}]}"); // moves away
    await(() -> changes.size() == 2);
    assertThat(changes).extracting(Change::revision).containsExactly(from + 1, from + 3);
    var moved = (Change.VmDelta) changes.get(1).deltas().getFirst();
    assertThat(moved.before().orElseThrow().host()).isEqualTo("hv1");
    assertThat(moved.after().orElseThrow().host()).isEqualTo("hv2");
  }

  @Test
  void aSlowSubscriberDoesNotHoldUpWriters() throws Exception {
    var state = seeded();
    var release = new CountDownLatch(1);
    open.add(state.subscribe(Optional.empty(), v -> {}, c -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    for (int i = 0; i < 20; i++) put(state, Kind.VMS, "v" + i, "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
    assertThat(state.count(Kind.VMS)).isEqualTo(20);
    release.countDown();
  }

  @Test
  void importsAnInventoryAndRefusesASecondImport() throws Exception {
    Path inv = Path.of("examples/uncloud-bridge.yaml");
    var state = open();
    var r = state.importInventory(inv.toString(), Files.readString(inv));
    assertThat(r.errors()).isEmpty();
    assertThat(state.revision()).isEqualTo(1);
    var original = InventoryReader.read(inv).inventory().orElseThrow();
    assertThat(new HashSet<>(state.inventory().vms())).isEqualTo(new HashSet<>(original.vms()));
    assertThat(state.inventory().networks()).isEqualTo(original.networks());
    assertThatThrownBy(() -> state.importInventory(inv.toString(), Files.readString(inv))).hasMessageContaining("import needs an empty store");
    reopen();
    assertThat(new HashSet<>(open().inventory().vms())).isEqualTo(new HashSet<>(original.vms()));
  }

  @Test
  void importsLargeYaml() throws Exception {
    // Over 3 MiB: a YAML loader's default limit, which import must not have.
    var text = new StringBuilder("hosts:\n  hv1: {}\nnetworks:\n  br:\n    mode: bridged\n    bridge: br0\n    ipv4: 10.0.0.0/8\nvms:\n");
    for (int i = 1; i <= 40_000; i++) {
      text.append("  vm").append(i).append(":\n    host: hv1\n    index: ").append(i).append("\n    interfaces:\n      - network: br\n")
          .append("        addresses: [").append("10.").append(i >> 16).append('.').append((i >> 8) & 255).append('.').append(i & 255).append("]\n");
    }
    assertThat(text.length()).isGreaterThan(3 << 20);
    var state = open();
    var r = state.importInventory("big.yaml", text.toString());
    assertThat(r.errors()).isEmpty();
    assertThat(state.count(Kind.VMS)).isEqualTo(40_000);
  }

  @Test
  void refusesToOpenAnInvalidStore() throws Exception {
    seeded();
    reopen();
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStore.FILE))) {
      c.createStatement().execute("INSERT INTO objects (kind, name, body) VALUES ('vms', 'x', '{\"host\": \"nope\", \"index\": 1, \"interfaces\": []}')");
    }
    assertThatThrownBy(this::open).hasMessageContaining("refusing to start").hasMessageContaining("store:vms/x:1:");
  }

  @Test
  void sixteenConcurrentWritersAllocateDistinctValuesInFewerCommits() throws Exception {
    var state = open();
    put(state, Kind.HOSTS, "hv1", "{}");
    put(state, Kind.NETWORKS, "br", "{\"mode\": \"bridged\", \"bridge\": \"br0\", \"ipv4\": \"10.1.0.0/16\"}");
    long start = state.revision();
    var pool = Executors.newFixedThreadPool(16);
    var futures = new ArrayList<Future<Result>>();
    for (int t = 0; t < 16; t++) {
      for (int i = 0; i < 50; i++) {
        String name = "t" + t + "-" + i;
        futures.add(pool.submit(() -> apply(state, new Mutation.Put(Kind.VMS, name, "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}"))));
      }
    }
    var revisions = new HashSet<Long>();
    for (var f : futures) {
      var r = f.get();
      assertThat(r.errors()).isEmpty();
      revisions.add(r.revision());
    }
    pool.shutdown();
    assertThat(state.revision() - start).as("one revision per commit").isEqualTo(revisions.size());
    var vms = state.inventory().vms();
    assertThat(vms).hasSize(800);
    assertThat(new HashSet<>(vms.stream().map(Vm::index).toList())).hasSize(800);
    assertThat(new HashSet<>(vms.stream().map(v -> v.interfaces().get(0).mac()).toList())).hasSize(800);
    assertThat(new HashSet<>(vms.stream().map(v -> v.interfaces().get(0).addresses()).toList())).hasSize(800);
    assertThat(new HashSet<>(vms.stream().map(v -> v.interfaces().get(0).tap()).toList())).hasSize(800);
    // What was committed is what a restart finds.
    var before = new HashSet<>(vms);
    reopen();
    assertThat(new HashSet<>(open().inventory().vms())).isEqualTo(before);
  }

  @Test
  void everyAcknowledgedChangeSurvivesAKill() throws Exception {
    put(seeded(), Kind.NETWORKS, "big", "{\"mode\": \"bridged\", \"bridge\": \"br1\", \"ipv4\": \"10.64.0.0/16\"}");
    reopen();
    var cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), StateCrashChild.class.getName(), dir.toString());
    Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    var acked = new ArrayList<String>();
    try (var out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (acked.size() < 400 && (line = out.readLine()) != null) {
        assertThat(line).startsWith("ack ");
        acked.add(line.substring(4));
      }
    } finally {
      child.destroyForcibly(); // SIGKILL, with 8 writers in flight
      child.waitFor();
    }
    assertThat(acked).hasSize(400);
    var state = open();
    var names = state.list(Kind.VMS, Optional.empty(), Integer.MAX_VALUE).keySet();
    assertThat(names).containsAll(acked);
    var vms = state.inventory().vms();
    assertThat(new HashSet<>(vms.stream().map(Vm::index).toList())).hasSize(vms.size());
    // The change feed holds exactly what the rows hold.
    var events = state.since(4, Integer.MAX_VALUE).orElseThrow();
    assertThat(events).extracting(e -> e.name()).containsExactlyInAnyOrderElementsOf(names);
    assertThat(events.getLast().revision()).isEqualTo(state.revision());
  }

  @Test
  void oversizedBodiesAndFloodsOfErrorsAreCheapAndCapped() {
    var state = seeded();
    var huge = apply(state, new Mutation.Put(Kind.VMS, "x", "{\"host\": \"hv1\", \"addresses\": \"" + "a".repeat(StateService.MAX_BODY) + "\"}"));
    assertThat(huge.status()).isEqualTo(Result.Status.REJECTED);
    assertThat(huge.errors()).singleElement().satisfies(d -> assertThat(d.message()).contains("at most " + StateService.MAX_BODY));
    var bad = new StringBuilder("{\"host\": \"hv1\", \"index\": 3, \"interfaces\": [{\"network\": \"br\", \"addresses\": [");
    for (int i = 0; i < 15_000; i++) bad.append(i == 0 ? "" : ",\n").append("\"no").append(i).append('"');
    bad.append("]}]}");
    assertThat(bad.length()).isLessThan(StateService.MAX_BODY);
    var r = apply(state, new Mutation.Put(Kind.VMS, "x", bad.toString()));
    assertThat(r.errors()).hasSize(StateService.MAX_ERRORS);
    assertThat(r.errors().getLast().message()).startsWith("and 14901 more error(s)");
    assertThat(r.errors().getFirst().pos().toString()).isEqualTo("request:1:76");
  }

  @Test
  void aWithdrawnChangeIsNeverCommitted() throws Exception {
    var state = seeded();
    // Many queued: the last is very likely still queued when it is withdrawn; either way the outcome is consistent.
    var futures = new ArrayList<CompletableFuture<Result>>();
    for (int i = 0; i < 200; i++) {
      futures.add(state.submit(new Mutation.Put(Kind.VMS, "w" + i, "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}")));
    }
    var last = futures.getLast();
    boolean withdrawn = state.withdraw(last);
    for (var f : futures) f.join();
    if (withdrawn) {
      assertThat(last.join().status()).isEqualTo(Result.Status.UNAVAILABLE);
      assertThat(state.get(Kind.VMS, "w199")).isEmpty();
    } else {
      assertThat(last.join().ok()).isTrue();
      assertThat(state.get(Kind.VMS, "w199")).isPresent();
    }
  }

  @Test
  void theFeedResumesFromARevisionAndFollows() throws Exception {
    var state = seeded();
    put(state, Kind.VMS, "a", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
    long mark = state.revision();
    put(state, Kind.VMS, "b", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}");
    var seen = new CopyOnWriteArrayList<netfence.store.Store.Event>();
    try (var feed = state.feed(mark, seen::addAll)) {
      apply(state, new Mutation.Delete(Kind.VMS, "a"));
      await(() -> seen.size() == 2);
    }
    assertThat(seen).extracting(e -> e.name() + "@" + e.revision() + (e.body().isPresent() ? "" : " deleted"))
        .containsExactly("b@" + (mark + 1), "a@" + (mark + 2) + " deleted");
  }

  private static void await(java.util.function.BooleanSupplier condition) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("timed out");
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }
}
