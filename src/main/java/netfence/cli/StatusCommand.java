package netfence.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import netfence.api.ApiClient;
import netfence.api.Status;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code netfence status}: each VM interface's reconciliation state and its drops per reason, from
 * the running service, so an operator sees at a glance which VM misbehaves. {@code -o json} prints
 * {@code GET /v1/status} ({@link Status}) as it is.
 */
@Command(name = "status", description = {"Show each VM interface's state (pending, applied, failed) and its drops per reason.",
    "-o json prints the service's status object: {\"revision\", \"agent\": {\"running\", \"appliedRevision\", \"interfaces\": [...]}}."})
final class StatusCommand implements Callable<Integer> {
  @Option(names = "--socket", paramLabel = "PATH", defaultValue = ServeCommand.DEFAULT_SOCKET,
      description = "the service's socket (default: ${DEFAULT-VALUE})")
  Path socket;

  @Mixin OutputOption output;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    boolean json = output.json();
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    Status status;
    try (var api = ApiClient.unixSocket(socket)) {
      status = api.status();
    } catch (ApiClient.Refused e) {
      err.printf("netfence: the service answered %d: %s%n", e.reply().status(), e.reply().body());
      return Main.FAILED;
    } catch (java.util.concurrent.ExecutionException e) {
      err.printf("netfence: cannot reach the service at %s: %s%n", socket, e.getCause() == null ? e : e.getCause().getMessage());
      return Main.FAILED;
    }
    if (json) {
      out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(status));
      out.flush();
      return 0;
    }
    var agent = status.agent();
    out.printf("revision %d%n", status.revision());
    if (!agent.running()) {
      out.println("no agent: this service serves the store and the API only");
      return 0;
    }
    out.printf("agent: applied revision %d%s%n", agent.appliedRevision(), agent.appliedRevision() >= status.revision() ? " (in sync)" : " (catching up)");
    String fmt = "%-16s %-3s %-15s %-8s %-10s %s%n";
    out.printf(fmt, "VM", "IF", "TAP", "STATE", "DROPS", "BY REASON / WHY");
    for (var i : agent.interfaces()) {
      var drops = new TreeMap<>(i.drops());
      long total = drops.values().stream().mapToLong(Long::longValue).sum();
      var detail = new ArrayList<String>();
      drops.forEach((reason, n) -> {
        if (n > 0) detail.add(reason + "=" + n);
      });
      if (!i.reason().isEmpty()) detail.add(0, i.reason());
      out.printf(fmt, i.vm(), i.interfaceNumber(), i.tap(), i.state().toLowerCase(java.util.Locale.ROOT), total, String.join(" ", detail));
    }
    out.flush();
    return 0;
  }
}
