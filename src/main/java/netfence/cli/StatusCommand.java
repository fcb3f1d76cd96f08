package netfence.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import netfence.api.ApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code netfence status}: each VM interface's reconciliation state and its drops per reason, from
 * the running service, so an operator sees at a glance which VM misbehaves.
 */
@Command(name = "status", description = "Show each VM interface's state (pending, applied, failed) and its drops per reason.")
final class StatusCommand implements Callable<Integer> {
  @Option(names = "--socket", paramLabel = "PATH", defaultValue = ServeCommand.DEFAULT_SOCKET,
      description = "the service's socket (default: ${DEFAULT-VALUE})")
  Path socket;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    ApiClient.Reply r;
    try (var api = ApiClient.unixSocket(socket)) {
      r = api.send("GET", "/v1/status", null);
    } catch (Exception e) {
      err.printf("netfence: cannot reach the service at %s: %s%n", socket, e.getCause() == null ? e : e.getCause().getMessage());
      return Main.FAILED;
    }
    if (r.status() != 200) {
      err.printf("netfence: the service answered %d: %s%n", r.status(), r.body());
      return Main.FAILED;
    }
    JsonNode status = new ObjectMapper().readTree(r.body());
    JsonNode agent = status.path("agent");
    out.printf("revision %d%n", status.path("revision").asLong());
    if (!agent.path("running").asBoolean()) {
      out.println("no agent: this service serves the store and the API only");
      return 0;
    }
    String fmt = "%-16s %-3s %-15s %-8s %-10s %s%n";
    out.printf(fmt, "VM", "IF", "TAP", "STATE", "DROPS", "BY REASON / WHY");
    for (JsonNode i : agent.path("interfaces")) {
      var drops = new TreeMap<String, Long>();
      i.path("drops").properties().forEach(e -> drops.put(e.getKey(), e.getValue().asLong()));
      long total = drops.values().stream().mapToLong(Long::longValue).sum();
      var detail = new ArrayList<String>();
      drops.forEach((reason, n) -> {
        if (n > 0) detail.add(reason + "=" + n);
      });
      String reason = i.path("reason").asText("");
      if (!reason.isEmpty() && !reason.equals("null")) detail.add(0, reason);
      out.printf(fmt, i.path("vm").asText(), i.path("interfaceNumber").asText(), i.path("tap").asText(),
          i.path("state").asText().toLowerCase(java.util.Locale.ROOT), total, String.join(" ", detail));
    }
    return 0;
  }
}
