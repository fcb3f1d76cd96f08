package netfence.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import netfence.api.ApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code netfence vm ...}: VMs in the running service, over its socket. */
@Command(name = "vm", description = "Add, remove, list and show VMs of a running 'netfence serve'.",
    subcommands = {VmCommand.Add.class, VmCommand.Remove.class, VmCommand.Ls.class, VmCommand.Show.class, VmCommand.ImportLibvirt.class})
final class VmCommand implements Runnable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** VMs asked for per page by {@code vm ls}. */
  static final int PAGE = 1000;

  @Option(names = "--socket", paramLabel = "PATH", defaultValue = ServeCommand.DEFAULT_SOCKET, scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "the service's socket (default: ${DEFAULT-VALUE})")
  Path socket;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a command is required (add, rm, ls, show, import-libvirt)");
  }

  /** Sends one request; prints the server's errors and returns null when it refused or cannot be reached. */
  private JsonNode call(ApiClient api, String method, String path, String body, PrintWriter err) throws Exception {
    ApiClient.Reply r;
    try {
      r = api.send(method, path, body);
    } catch (ExecutionException e) {
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

  /** Sends one request and prints what {@code text} makes of the reply; exit 1 when the service refused. */
  int answer(String method, String path, String body, picocli.CommandLine.Model.CommandSpec cmd,
      java.util.function.Function<JsonNode, String> text) throws Exception {
    JsonNode r;
    try (var api = ApiClient.unixSocket(socket)) {
      r = call(api, method, path, body, cmd.commandLine().getErr());
    }
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

  static String query(String name, String value) {
    return name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** What a write with {@code ?wait=applied} learnt: applied or not, and the VM's interfaces. */
  static String enforcement(JsonNode r) {
    if (!r.has("applied")) return "";
    var text = new StringBuilder();
    if (!r.path("agent").path("running").asBoolean()) {
      text.append("not applied: no agent runs in this service (serve --no-agent)").append(System.lineSeparator());
      return text.toString();
    }
    text.append(r.path("applied").asBoolean() ? "applied by the agent" : "committed, not yet applied by the agent within the timeout")
        .append(" (agent at revision ").append(r.path("agent").path("appliedRevision").asLong()).append(')').append(System.lineSeparator());
    for (JsonNode i : r.path("agent").path("interfaces")) {
      text.append("  interface ").append(i.path("interfaceNumber").asInt()).append(" tap ").append(i.path("tap").asText()).append(": ")
          .append(i.path("state").asText().toLowerCase(java.util.Locale.ROOT));
      if (!i.path("reason").asText().isEmpty()) text.append(" (").append(i.path("reason").asText()).append(')');
      text.append(System.lineSeparator());
    }
    return text.toString();
  }

  /** {@code --wait}: wait until the agent has acted on the change, at most the timeout. */
  static final class WaitOption {
    @Option(names = "--wait", paramLabel = "TIMEOUT", arity = "0..1", fallbackValue = "10s",
        description = "wait until the agent has applied the change, at most TIMEOUT (default 10s; e.g. 500ms, 30s)")
    String timeout;

    String query() {
      return timeout == null ? "" : "?wait=applied&" + VmCommand.query("timeout", timeout);
    }
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
    @Mixin WaitOption wait;
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
      return vm.answer("PUT", path(name) + wait.query(), pretty(body), spec,
          r -> String.format("vm %s: revision %d%n", name, r.path("revision").asLong()) + pretty(r.path("body")) + enforcement(r));
    }
  }

  @Command(name = "import-libvirt", description = {
      "Create or replace the VM a libvirt domain describes (XML from FILE, or - for stdin), as libvirt's hook does:",
      "the service maps each interface on a bridge of one of its networks to that network, and taps of their own",
      "(type 'ethernet') to --network. MAC, tap and the IP/IPV6 filterref parameters are kept; what is missing is",
      "allocated. Other interfaces (libvirt's NAT network 'default', ...) are left alone and named, or refused with",
      "--unmanaged error."})
  static final class ImportLibvirt implements Callable<Integer> {
    @ParentCommand VmCommand vm;
    @Parameters(index = "0", paramLabel = "FILE") String file;
    @Option(names = "--host", required = true, paramLabel = "H") String host;
    @Option(names = "--network", paramLabel = "N", description = "the routed network of taps of their own (type 'ethernet')") String network;
    @Option(names = "--unmanaged", paramLabel = "ignore|error", defaultValue = "ignore",
        description = "what to do with interfaces netfence does not manage (default: ${DEFAULT-VALUE})") String unmanaged;
    @Mixin WaitOption wait;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      var err = spec.commandLine().getErr();
      String xml = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : java.nio.file.Files.readString(Path.of(file));
      var q = new StringBuilder("/v1/libvirt/domains?").append(query("host", host)).append('&').append(query("unmanaged", unmanaged));
      if (network != null) q.append('&').append(query("routed-network", network));
      if (wait.timeout != null) q.append("&wait=applied&").append(query("timeout", wait.timeout));
      return vm.answer("POST", q.toString(), xml, spec, r -> {
        for (JsonNode u : r.path("unmanaged")) {
          err.printf("netfence: interface %d (type '%s'%s) left alone: %s%n", u.path("interface").asInt(), u.path("type").asText(),
              u.has("mac") ? ", MAC " + u.path("mac").asText() : "", u.path("why").asText());
        }
        err.flush();
        if (!r.has("body")) return r.path("note").asText() + System.lineSeparator();
        return String.format("vm %s: revision %d%n", r.path("name").asText(), r.path("revision").asLong()) + enforcement(r);
      });
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
    @Mixin WaitOption wait;

    @Override
    public Integer call() throws Exception {
      return vm.answer("DELETE", path(name) + wait.query(), null, spec,
          r -> String.format("vm %s: deleted at revision %d%n", name, r.path("revision").asLong()) + enforcement(r));
    }
  }

  @Command(name = "ls", description = {"List VMs: name, host, index (tab-separated), a page at a time.",
      "-o json prints {\"vms\": [{\"name\": NAME, ...the VM's stored body...}, ...]}, by name."})
  static final class Ls implements Callable<Integer> {
    @ParentCommand VmCommand vm;
    @Mixin OutputOption output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      boolean json = output.json();
      var out = spec.commandLine().getOut();
      var err = spec.commandLine().getErr();
      try (var api = ApiClient.unixSocket(vm.socket)) {
        JsonGenerator g = null;
        if (json) {
          g = JSON.getFactory().createGenerator(out);
          g.writeStartObject();
          g.writeArrayFieldStart("vms");
        }
        String after = null;
        do {
          String path = "/v1/vms?limit=" + PAGE + (after == null ? "" : "&" + query("after", after));
          JsonNode page = vm.call(api, "GET", path, null, err);
          if (page == null) return Main.FAILED;
          for (var e : page.path("vms").properties()) {
            if (json) {
              var o = JSON.createObjectNode();
              o.put("name", e.getKey());
              o.setAll((com.fasterxml.jackson.databind.node.ObjectNode) e.getValue());
              g.writeTree(o);
            } else {
              out.printf("%s\t%s\t%s%n", e.getKey(), e.getValue().path("host").asText(), e.getValue().path("index").asText());
            }
          }
          after = page.path("next").isTextual() ? page.path("next").asText() : null;
        } while (after != null);
        if (json) {
          g.writeEndArray();
          g.writeEndObject();
          g.flush();
          out.println();
        }
        out.flush();
        return 0;
      }
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
