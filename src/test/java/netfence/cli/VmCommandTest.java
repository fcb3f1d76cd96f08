package netfence.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import netfence.api.AgentView;
import netfence.api.ApiServer;
import netfence.api.Listen;
import netfence.state.StateService;
import netfence.store.SqliteStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmCommandTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void addShowListRemoveThroughTheSocket() throws Exception {
    Path socket = dir.resolve("s.sock");
    try (var sqlite = SqliteStore.open(dir.resolve("state")); var store = StateService.open(sqlite, System.err::println)) {
      assertThat(store.importInventory("uncloud-bridge.yaml", java.nio.file.Files.readString(Path.of("examples/uncloud-bridge.yaml"))).ok()).isTrue();
      String network = store.inventory().networks().get(0).name();
      String host = store.inventory().hosts().get(0).name();
      try (var server = ApiServer.start(store, List.of(new Listen.UnixSocket(socket)), AgentView.NONE)) {
        String sock = socket.toString();
        var add = run("vm", "add", "new1", "--host", host, "--network", network, "--socket", sock);
        assertThat(add.code()).as(add.err()).isZero();
        assertThat(add.out()).contains("vm new1: revision 2").contains("\"mac\"");

        var show = run("vm", "show", "new1", "--socket", sock);
        assertThat(show.code()).isZero();
        assertThat(show.out()).contains("\"host\" : \"" + host + "\"");
        assertThat(run("vm", "ls", "--socket", sock).out()).contains("new1\t" + host + "\t");

        var bad = run("vm", "add", "new2", "--host", "nohost", "--network", network, "--socket", sock);
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).startsWith("request:").contains("error:").contains("nohost");

        assertThat(run("vm", "rm", "new1", "--socket", sock).code()).isZero();
        var gone = run("vm", "show", "new1", "--socket", sock);
        assertThat(gone.code()).isEqualTo(1);
        assertThat(gone.err()).contains("vms/new1 does not exist");
      }
    }
    var unreachable = run("vm", "ls", "--socket", dir.resolve("none.sock").toString());
    assertThat(unreachable.code()).isEqualTo(1);
    assertThat(unreachable.err()).contains("cannot reach the service");
  }

  /** libvirt's hook hands netfence the domain XML: the VM it describes lands in the store as it was. */
  @Test
  void aLibvirtDomainIsImportedWithItsTapMacAndAddresses() throws Exception {
    Path socket = dir.resolve("l.sock");
    // The <interface> netfence itself generates for the libvirt example's VM 'mail', inside a domain.
    var inv = netfence.testing.Examples.load(Path.of("examples/libvirt-clean-traffic.yaml"));
    var files = netfence.render.libvirt.LibvirtFiles.of(netfence.policy.HostPolicy.of(inv, "kvm1"));
    String devices = files.get("libvirt/interface/mail.xml");
    devices = devices.substring(devices.indexOf("\n<devices>") + 1);
    Path domain = dir.resolve("mail2.xml");
    java.nio.file.Files.writeString(domain, "<domain type='kvm'>\n  <name>mail2</name>\n  " + devices + "</domain>\n");
    try (var sqlite = SqliteStore.open(dir.resolve("state2")); var store = StateService.open(sqlite, System.err::println)) {
      // The example without 'mail', so its tap, MAC and addresses are free for the imported domain.
      String yaml = java.nio.file.Files.readString(Path.of("examples/libvirt-clean-traffic.yaml"));
      Path trimmed = dir.resolve("inv.yaml");
      java.nio.file.Files.writeString(trimmed, yaml.substring(0, yaml.indexOf("  mail:")) + yaml.substring(yaml.indexOf("  shop:")));
      assertThat(store.importInventory(trimmed.toString(), java.nio.file.Files.readString(trimmed)).ok()).isTrue();
      try (var server = ApiServer.start(store, List.of(new Listen.UnixSocket(socket)), AgentView.NONE)) {
        var r = run("vm", "import-libvirt", domain.toString(), "--host", "kvm1", "--socket", socket.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("vm mail2: revision 2");
        var mail = store.inventory().vms().stream().filter(v -> v.name().equals("mail2")).findFirst().orElseThrow();
        var original = inv.vms().stream().filter(v -> v.name().equals("mail")).findFirst().orElseThrow();
        assertThat(mail.interfaces().getFirst().tap()).isEqualTo(original.interfaces().getFirst().tap());
        assertThat(netfence.model.AddressPlan.text(mail.interfaces().getFirst().mac()))
            .isEqualTo(netfence.model.AddressPlan.text(original.interfaces().getFirst().mac()));
        assertThat(mail.interfaces().getFirst().addresses()).containsExactlyInAnyOrderElementsOf(original.interfaces().getFirst().addresses());
      }
    }
  }

  /** Issue 9: 100,000 VMs listed through the CLI, a page at a time (not timed). */
  @Test
  void vmLsListsAHundredThousandVms() throws Exception {
    int n = 100_000;
    Path socket = dir.resolve("big.sock");
    try (var sqlite = SqliteStore.open(dir.resolve("big")); var store = StateService.open(sqlite, System.err::println)) {
      var imported = store.importInventory("fleet.json", netfence.testing.Fleet.routedJson(n));
      assertThat(imported.ok()).as(imported.errors().toString()).isTrue();
      try (var server = ApiServer.start(store, List.of(new Listen.UnixSocket(socket)), AgentView.NONE)) {
        var ls = run("vm", "ls", "--socket", socket.toString());
        assertThat(ls.code()).as(ls.err()).isZero();
        var lines = ls.out().lines().toList();
        assertThat(lines).hasSize(n);
        for (int i = 1; i <= n; i++) assertThat(lines.get(i - 1)).isEqualTo(netfence.testing.Fleet.name(i) + "\thv1\t" + i);

        // The export of the same fleet, streamed: every VM, and nothing held as one string on the server.
        try (var api = netfence.api.ApiClient.unixSocket(socket)) {
          var export = api.send("GET", "/v1/inventory", null);
          assertThat(export.status()).isEqualTo(200);
          assertThat(export.body().lines().filter(l -> l.matches("  vm\\d{6}:")).count()).isEqualTo(n);
          assertThat(export.body()).endsWith("  " + netfence.testing.Fleet.name(n) + ":\n    host: hv1\n    index: " + n
              + "\n    interfaces:\n    - network: vmnet\n");
        }

        var json = run("vm", "ls", "-o", "json", "--socket", socket.toString());
        assertThat(json.code()).as(json.err()).isZero();
        var vms = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out()).path("vms");
        assertThat(vms.size()).isEqualTo(n);
        assertThat(vms.get(n - 1).toString()).isEqualTo("{\"name\":\"" + netfence.testing.Fleet.name(n) + "\",\"host\":\"hv1\",\"index\":" + n
            + ",\"interfaces\":[{\"network\":\"vmnet\"}]}");
      }
    }
  }

  /** The documented shapes of -o json: vm ls and status. */
  @Test
  void jsonOutputsHaveTheirDocumentedShape() throws Exception {
    Path socket = dir.resolve("j.sock");
    try (var sqlite = SqliteStore.open(dir.resolve("j")); var store = StateService.open(sqlite, System.err::println)) {
      assertThat(store.importInventory("fleet.json", netfence.testing.Fleet.routedJson(2)).ok()).isTrue();
      try (var server = ApiServer.start(store, List.of(new Listen.UnixSocket(socket)), AgentView.NONE)) {
        var ls = run("vm", "ls", "-o", "json", "--socket", socket.toString());
        assertThat(ls.out()).isEqualTo("{\"vms\":[{\"name\":\"vm000001\",\"host\":\"hv1\",\"index\":1,\"interfaces\":[{\"network\":\"vmnet\"}]},"
            + "{\"name\":\"vm000002\",\"host\":\"hv1\",\"index\":2,\"interfaces\":[{\"network\":\"vmnet\"}]}]}" + System.lineSeparator());
        var status = run("status", "-o", "json", "--socket", socket.toString());
        assertThat(status.code()).as(status.err()).isZero();
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(status.out()).toString())
            .isEqualTo("{\"revision\":1,\"agent\":{\"running\":false,\"appliedRevision\":0,\"interfaces\":[]}}");
        var text = run("status", "--socket", socket.toString());
        assertThat(text.out()).isEqualTo("revision 1" + System.lineSeparator() + "no agent: this service serves the store and the API only"
            + System.lineSeparator());
        var bad = run("status", "-o", "yaml", "--socket", socket.toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("-o/--output (yaml) must be text or json");
      }
    }
  }

  /** netfence events follows the feed from a revision; a compacted or future one fails with the service's message. */
  @Test
  void eventsFollowsTheFeedFromARevision() throws Exception {
    Path socket = dir.resolve("e.sock");
    try (var sqlite = SqliteStore.open(dir.resolve("e")); var store = StateService.open(sqlite, System.err::println)) {
      assertThat(store.importInventory("fleet.json", netfence.testing.Fleet.routedJson(1)).ok()).isTrue();
      try (var server = ApiServer.start(store, List.of(new Listen.UnixSocket(socket)), AgentView.NONE)) {
        String sock = socket.toString();
        assertThat(run("vm", "add", "a", "--host", "hv1", "--network", "vmnet", "--socket", sock).code()).isZero();
        assertThat(run("vm", "rm", "vm000001", "--socket", sock).code()).isZero();
        var text = run("events", "--since", "1", "--count", "2", "--socket", sock);
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out()).isEqualTo("2 put vms/a" + System.lineSeparator() + "3 deleted vms/vm000001" + System.lineSeparator());
        var json = run("events", "--since", "2", "--count", "1", "-o", "json", "--socket", sock);
        assertThat(json.out()).isEqualTo("{\"revision\":3,\"kind\":\"vms\",\"name\":\"vm000001\",\"deleted\":true}" + System.lineSeparator());
        // Following: a change made after the command started arrives.
        var later = java.util.concurrent.CompletableFuture.supplyAsync(() -> run("events", "--count", "1", "--socket", sock));
        while (!later.isDone()) {
          run("vm", "add", "b", "--host", "hv1", "--network", "vmnet", "--socket", sock);
          run("vm", "rm", "b", "--socket", sock);
          if (later.isDone()) break;
          Thread.sleep(100);
        }
        assertThat(later.get().out()).matches("\\d+ (put|deleted) vms/b" + System.lineSeparator());
        var ahead = run("events", "--since", "999", "--socket", sock);
        assertThat(ahead.code()).isEqualTo(1);
        assertThat(ahead.err()).contains("since (999) is ahead of the store's revision");
      }
    }
  }
}
