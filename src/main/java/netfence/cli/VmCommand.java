package netfence.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import netfence.api.ApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code netfence vm ...}: VMs in the running service, over its socket. */
@Command(name = "vm", description = "Add, remove, list and show VMs of a running 'netfence serve'.",
    subcommands = {VmCommand.Add.class, VmCommand.Remove.class, VmCommand.Ls.class, VmCommand.Show.class, VmCommand.ImportLibvirt.class})
final class VmCommand implements Runnable {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--socket", paramLabel = "PATH", defaultValue = ServeCommand.DEFAULT_SOCKET, scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "the service's socket (default: ${DEFAULT-VALUE})")
  Path socket;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a command is required (add, rm, ls, show)");
  }

  /** Sends one request; prints the server's errors and returns null when it refused. */
  private JsonNode call(String method, String path, String body, PrintWriter err) throws Exception {
    try (var api = ApiClient.unixSocket(socket)) {
      ApiClient.Reply r;
      try {
        r = api.send(method, path, body);
      } catch (java.util.concurrent.ExecutionException e) {
        err.printf("netfence: cannot reach the service at %s: %s%n", socket, e.getCause() == null ? e : e.getCause().getMessage());
        return null;
      }
      JsonNode reply = r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
      if (r.status() >= 400) {
        for (JsonNode e : reply.path("errors")) err.println(e.asText());
        if (!reply.has("errors")) err.printf("netfence: HTTP %d%n", r.status());
        return null;
      }
      return reply;
    }
  }

  /** Sends one request and prints what {@code text} makes of the reply; exit 1 when the service refused. */
  int answer(String method, String path, String body, picocli.CommandLine.Model.CommandSpec cmd,
      java.util.function.Function<JsonNode, String> text) throws Exception {
    JsonNode r = call(method, path, body, cmd.commandLine().getErr());
    if (r == null) return Main.FAILED;
    cmd.commandLine().getOut().print(text.apply(r));
    cmd.commandLine().getOut().flush();
    return 0;
  }

  static String pretty(JsonNode n) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + System.lineSeparator();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a parsed reply does not serialise: " + e.getMessage(), e);
    }
  }

  static String path(String name) {
    return "/v1/vms/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
  }

  @Command(name = "add", description = "Create or replace a VM; index, tap, MAC and addresses are allocated unless given.")
  static final class Add implements Callable<Integer> {
    @ParentCommand VmCommand vm;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Option(names = "--host", required = true, paramLabel = "H") String host;
    @Option(names = "--network", required = true, paramLabel = "N") String network;
    @Option(names = "--index", paramLabel = "I") Integer index;
    @Option(names = "--tap", paramLabel = "T") String tap;
    @Option(names = "--mac", paramLabel = "M") String mac;
    @Option(names = "--address", paramLabel = "A", description = "an address, or slaac; repeatable") java.util.List<String> addresses;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      var body = JSON.createObjectNode();
      body.put("host", host);
      if (index != null) body.put("index", index);
      var iface = body.putArray("interfaces").addObject();
      iface.put("network", network);
      if (tap != null) iface.put("tap", tap);
      if (mac != null) iface.put("mac", mac);
      if (addresses != null) addresses.forEach(iface.putArray("addresses")::add);
      return vm.answer("PUT", path(name), pretty(body), spec,
          r -> String.format("vm %s: revision %d%n", name, r.path("revision").asLong()) + pretty(r.path("body")));
    }
  }

  @Command(name = "import-libvirt", description = {
      "Create or replace the VM a libvirt domain describes (XML from FILE, or - for stdin, as libvirt's hook passes it).",
      "Each <interface type='bridge'> goes to the network whose bridge it names; other types to --network. MAC, tap and",
      "the IP/IPV6 filterref parameters are kept; what is missing is allocated."})
  static final class ImportLibvirt implements Callable<Integer> {
    @ParentCommand VmCommand vm;
    @Parameters(index = "0", paramLabel = "FILE") String file;
    @Option(names = "--host", required = true, paramLabel = "H") String host;
    @Option(names = "--network", paramLabel = "N", description = "the network of interfaces that name no bridge (routed taps)") String network;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      var err = spec.commandLine().getErr();
      String xml = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : java.nio.file.Files.readString(Path.of(file));
      netfence.inventory.LibvirtDomain domain;
      try {
        domain = netfence.inventory.LibvirtDomain.parse(xml);
      } catch (IllegalArgumentException e) {
        err.println("netfence: " + e.getMessage());
        return Main.FAILED;
      }
      // Bridges name networks: ask the service which network uses which bridge.
      var inventory = vm.inventoryText(err);
      if (inventory == null) return Main.FAILED;
      var inv = netfence.inventory.InventoryReader.parse("service inventory", inventory).inventory();
      if (inv.isEmpty()) {
        err.println("netfence: the service's inventory did not validate");
        return Main.FAILED;
      }
      var body = JSON.createObjectNode();
      body.put("host", host);
      var interfaces = body.putArray("interfaces");
      for (var i : domain.interfaces()) {
        String net = i.bridge().flatMap(b -> inv.get().networks().stream()
            .filter(n -> n instanceof netfence.model.BridgedNetwork bn && bn.bridge().equals(b)).map(netfence.model.Network::name).findFirst())
            .orElse(network);
        if (net == null) {
          err.printf("netfence: interface %s of domain %s: %s; give --network%n", i.tap().orElse(i.mac().orElse("?")), domain.name(),
              i.bridge().map(b -> "no network uses bridge " + b).orElse("it names no bridge"));
          return Main.FAILED;
        }
        var o = interfaces.addObject();
        o.put("network", net);
        i.tap().ifPresent(t -> o.put("tap", t));
        i.mac().ifPresent(m -> o.put("mac", m));
        if (!i.addresses().isEmpty()) i.addresses().forEach(o.putArray("addresses")::add);
        if (!i.routedPrefixes().isEmpty()) i.routedPrefixes().forEach(o.putArray("routed-prefixes")::add);
      }
      return vm.answer("PUT", path(domain.name()), pretty(body), spec,
          r -> String.format("vm %s: revision %d%n", domain.name(), r.path("revision").asLong()));
    }
  }

  /** The service's whole inventory as YAML text, or null (errors printed). */
  String inventoryText(PrintWriter err) throws Exception {
    try (var api = ApiClient.unixSocket(socket)) {
      var r = api.send("GET", "/v1/inventory", null);
      if (r.status() != 200) {
        err.printf("netfence: the service answered %d to GET /v1/inventory%n", r.status());
        return null;
      }
      return r.body();
    } catch (java.util.concurrent.ExecutionException e) {
      err.printf("netfence: cannot reach the service at %s: %s%n", socket, e.getCause() == null ? e : e.getCause().getMessage());
      return null;
    }
  }

  /** A subcommand about one named VM (picocli reads the fields of superclasses too). */
  abstract static class OneVm implements Callable<Integer> {
    @ParentCommand VmCommand vm;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
  }

  @Command(name = "rm", description = "Delete a VM.")
  static final class Remove extends OneVm {
    @Override
    public Integer call() throws Exception {
      return vm.answer("DELETE", path(name), null, spec,
          r -> String.format("vm %s: deleted at revision %d%n", name, r.path("revision").asLong()));
    }
  }

  @Command(name = "ls", description = "List VMs: name, host, index.")
  static final class Ls implements Callable<Integer> {
    @ParentCommand VmCommand vm;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      return vm.answer("GET", "/v1/vms", null, spec, r -> {
        var text = new StringBuilder();
        r.path("vms").properties().forEach(e -> text.append(String.format("%s\t%s\t%s%n",
            e.getKey(), e.getValue().path("host").asText(), e.getValue().path("index").asText())));
        return text.toString();
      });
    }
  }

  @Command(name = "show", description = "Print a VM's stored body (JSON).")
  static final class Show extends OneVm {
    @Override
    public Integer call() throws Exception {
      return vm.answer("GET", path(name), null, spec, r -> pretty(r.path("body")));
    }
  }
}
