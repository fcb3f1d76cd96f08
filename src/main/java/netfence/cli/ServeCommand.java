package netfence.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import java.time.Duration;
import netfence.agent.Agent;
import netfence.api.AgentView;
import netfence.dataplane.Netns;
import netfence.api.ApiServer;
import netfence.api.Listen;
import netfence.state.StateService;
import netfence.store.SqliteStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code netfence serve}: the state store behind the REST API, and the agent that keeps this network
 * namespace matching the store's state for one host.
 */
@Command(name = "serve", description = {
    "Keep a host matching the desired state: embedded store, REST API (openapi/netfence-v1.yaml), agent.",
    "The agent reconciles the current network namespace for --host; --no-agent serves the store and API only."})
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

  @Option(names = "--host", paramLabel = "H", description = "the inventory's host this machine is; the agent enforces its policy here")
  String host;

  @Option(names = "--no-agent", description = "serve the store and the API only (no enforcement on this machine)")
  boolean noAgent;

  @Option(names = "--resync", paramLabel = "SECONDS", defaultValue = "600",
      description = "full read-back sync period of the agent, the safety net behind the guard and the 1 s table check; a sync holds changes back for its duration, seconds at 100,000 VMs (default: ${DEFAULT-VALUE})")
  int resyncSeconds;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--metrics-without-token",
      description = "serve /metrics on the --listen TCP address without the bearer token (for scrapers that cannot send one)")
  boolean metricsWithoutToken;

  /** The agent as the API sees it: interface states by VM, the revision it has acted on, its metrics. */
  private record RunningAgent(Agent agent) implements AgentView {
    @Override
    public boolean running() {
      return true;
    }

    @Override
    public long appliedRevision() {
      return agent.appliedRevision();
    }

    @Override
    public boolean awaitApplied(long revision, Duration timeout) throws InterruptedException {
      return agent.awaitApplied(revision, timeout);
    }

    @Override
    public java.util.List<netfence.api.Status.InterfaceState> interfaces(java.util.Optional<String> vm) {
      return agent.status().stream().filter(s -> vm.isEmpty() || s.vm().equals(vm.get()))
          .map(s -> new netfence.api.Status.InterfaceState(s.vm(), s.interfaceNumber(), s.tap(), s.state().name(), s.reason(), s.drops()))
          .toList();
    }

    @Override
    public String metrics() {
      return agent.metrics();
    }
  }

  /** Counted down once the store is closed; the shutdown hook waits for it. */
  private java.util.concurrent.CountDownLatch stored;

  @Override
  public Integer call() throws Exception {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    if ((listen == null) != (tokenFile == null)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--listen and --token-file go together");
    }
    if (!noAgent && host == null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--host is required unless --no-agent");
    }
    var listeners = new ArrayList<Listen>();
    listeners.add(new Listen.UnixSocket(socket));
    if (listen != null) listeners.add(Listen.tcp(listen, Listen.token(tokenFile)));
    java.util.function.Consumer<String> log = line -> {
      err.println(line);
      err.flush();
    };
    // Before the store and the agent: a second service on a live socket must change nothing.
    ApiServer.claim(socket, log);
    try (var store = SqliteStore.open(stateDir); var state = StateService.open(store, log)) {
      if (inventory != null) {
        if (state.revision() == 0) {
          var r = state.importInventory(inventory.toString(), Files.readString(inventory));
          r.errors().forEach(err::println);
          if (!r.ok()) return Main.FAILED;
          out.printf("netfence: imported %s into %s%n", inventory, stateDir);
        } else {
          err.printf("netfence: the store is at revision %d; %s is not imported%n", state.revision(), inventory);
        }
      }
      if (!noAgent && !state.get(netfence.store.Kind.HOSTS, host).isPresent()) {
        err.printf("netfence: host '%s' is not in the store's inventory%n", host);
        return Main.FAILED;
      }
      Agent agent = null;
      AutoCloseable subscription = null;
      if (!noAgent) {
        // The agent is made on the subscriber's thread from the view, so no change after it is missed.
        var started = new java.util.concurrent.CompletableFuture<Agent>();
        subscription = state.subscribe(java.util.Optional.of(host), view -> {
          try {
            started.complete(Agent.start(Netns.current(), host, view, Duration.ofSeconds(resyncSeconds), log));
          } catch (RuntimeException e) {
            started.completeExceptionally(e);
          }
        }, change -> started.join().onChange(change));
        try {
          agent = started.join();
        } catch (java.util.concurrent.CompletionException e) {
          subscription.close();
          throw e.getCause() instanceof RuntimeException re ? re : e;
        }
      }
      AgentView view = agent == null ? AgentView.NONE : new RunningAgent(agent);
      var settings = ApiServer.Settings.DEFAULTS.withMetricsWithoutToken(metricsWithoutToken);
      try (var server = ApiServer.start(state, listeners, view, settings, log); var running = agent == null ? null : (AutoCloseable) agent;
          var subscribed = subscription) {
        out.printf("netfence: serving revision %d on %s%s%s%n", state.revision(), socket, listen == null ? "" : " and " + listen,
            agent == null ? "" : "; enforcing host " + host + " in this network namespace");
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
