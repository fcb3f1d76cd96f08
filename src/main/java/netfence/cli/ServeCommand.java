package netfence.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import netfence.api.AgentView;
import netfence.api.ApiServer;
import netfence.api.Listen;
import netfence.store.SqliteStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netfence serve}: the state store behind the REST API (the agent joins later, through {@link AgentView}). */
@Command(name = "serve", description = "Keep the desired state in a store and serve the REST API (openapi/netfence-v1.yaml).")
final class ServeCommand implements Callable<Integer> {
  /** Where the CLI's client commands find the service unless told otherwise. */
  static final String DEFAULT_SOCKET = "/run/netfence/netfence.sock";

  @Option(names = "--state-dir", required = true, paramLabel = "DIR", description = "holds netfence.db")
  Path stateDir;

  @Option(names = "--inventory", paramLabel = "INV", description = "imported when the store is empty")
  Path inventory;

  @Option(names = "--socket", paramLabel = "PATH", defaultValue = DEFAULT_SOCKET, description = "Unix socket (default: ${DEFAULT-VALUE})")
  Path socket;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "also serve on TCP; needs --token-file")
  String listen;

  @Option(names = "--token-file", paramLabel = "F", description = "the bearer token TCP clients must send")
  Path tokenFile;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** Counted down once the store is closed; the shutdown hook waits for it. */
  private java.util.concurrent.CountDownLatch stored;

  @Override
  public Integer call() throws Exception {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    if ((listen == null) != (tokenFile == null)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--listen and --token-file go together");
    }
    var listeners = new ArrayList<Listen>();
    listeners.add(new Listen.UnixSocket(socket));
    if (listen != null) listeners.add(Listen.tcp(listen, Files.readString(tokenFile)));
    try (var store = SqliteStore.open(stateDir)) {
      if (inventory != null) {
        if (store.revision() == 0) {
          var r = store.importInventory(inventory);
          r.errors().forEach(err::println);
          if (!r.ok()) return Main.FAILED;
          out.printf("netfence: imported %s into %s%n", inventory, stateDir);
        } else {
          err.printf("netfence: the store is at revision %d; %s is not imported%n", store.revision(), inventory);
        }
      }
      try (var server = ApiServer.start(store, listeners, AgentView.NONE)) {
        out.printf("netfence: serving revision %d on %s%s%n", store.revision(), socket, listen == null ? "" : " and " + listen);
        out.flush();
        // On SIGTERM: stop serving, then let the hook end only once the store is closed. The hook must not wait for
        // the main thread itself: its System.exit would block on the hook while the hook waits for it.
        var closed = new java.util.concurrent.CountDownLatch(1);
        stored = closed;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            server.close();
            closed.await();
          } catch (Exception e) {
            // Shutting down: nothing left to tell.
          }
        }));
        server.join();
      }
    } finally {
      if (stored != null) stored.countDown();
    }
    return 0;
  }
}
