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
    subcommands = {VmCommand.Add.class, VmCommand.Remove.class, VmCommand.Ls.class, VmCommand.Show.class})
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
