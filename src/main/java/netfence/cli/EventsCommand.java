package netfence.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import netfence.api.ApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code netfence events}: follows the service's change feed ({@code GET /v1/events}), one line
 * per object change, until interrupted or the service ends it.
 */
@Command(name = "events", description = {"Follow the changes to the desired state of a running 'netfence serve'.",
    "Text: REVISION put|deleted KIND/NAME. -o json prints the feed's NDJSON lines as they come, bookmarks",
    "({\"revision\": R} alone: everything up to R was sent) included.",
    "Exit 1 when --since is compacted away: list the objects again and follow from that listing's revision."})
final class EventsCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--socket", paramLabel = "PATH", defaultValue = ServeCommand.DEFAULT_SOCKET,
      description = "the service's socket (default: ${DEFAULT-VALUE})")
  Path socket;

  @Option(names = "--since", paramLabel = "REVISION", description = "start after this revision (default: now)")
  Long since;

  @Option(names = "--count", paramLabel = "N", description = "stop after N object changes")
  Long count;

  @Mixin OutputOption output;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** Stops the feed once --count changes were printed. */
  private static final class Enough extends RuntimeException {
    Enough() {
      super(null, null, false, false);
    }
  }

  @Override
  public Integer call() throws Exception {
    boolean json = output.json();
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    if (count != null && count < 1) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--count (" + count + ") must be at least 1");
    long[] seen = {0};
    try (var api = ApiClient.unixSocket(socket)) {
      api.lines("/v1/events" + (since == null ? "" : "?since=" + since), line -> {
        JsonNode e;
        try {
          e = JSON.readTree(line);
        } catch (java.io.IOException x) {
          throw new IllegalStateException("the feed sent a line that is not JSON: " + line, x);
        }
        boolean change = e.has("kind");
        if (json) out.println(line);
        else if (change) {
          out.printf("%d %s %s/%s%n", e.path("revision").asLong(), e.path("deleted").asBoolean() ? "deleted" : "put", e.path("kind").asText(),
              e.path("name").asText());
        }
        out.flush();
        if (change && count != null && ++seen[0] >= count) throw new Enough();
      });
    } catch (Enough e) {
      return 0;
    } catch (ApiClient.Refused e) {
      JsonNode body = JSON.readTree(e.reply().body().isBlank() ? "{}" : e.reply().body());
      for (JsonNode m : body.path("errors")) err.println("netfence: " + m.asText());
      if (!body.has("errors")) err.printf("netfence: HTTP %d%n", e.reply().status());
      return Main.FAILED;
    } catch (ExecutionException e) {
      err.printf("netfence: cannot reach the service at %s: %s%n", socket, e.getCause() == null ? e : e.getCause().getMessage());
      return Main.FAILED;
    }
    err.println("netfence: the service ended the change feed");
    return Main.FAILED;
  }
}
