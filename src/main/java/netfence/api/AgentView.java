package netfence.api;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the API needs of the agent that enforces the desired state on this machine: its
 * interface states ({@code GET /v1/status}), the revision it has acted on and a way to wait for
 * one ({@code ?wait=applied}), and its metrics ({@code GET /metrics}). The server runs without an
 * agent ({@link #NONE}); {@code netfence serve} plugs its agent in here.
 */
public interface AgentView {
  /** Whether an agent enforces the desired state on this machine. */
  boolean running();

  /** The last revision the agent has acted on: its changes are in the kernel, or their interfaces are FAILED. */
  long appliedRevision();

  /** Waits until the agent has acted on {@code revision}; false when {@code timeout} passed first, or no agent runs. */
  boolean awaitApplied(long revision, Duration timeout) throws InterruptedException;

  /** The VM interfaces of this host, by VM then interface; {@code vm} keeps one VM's only. */
  List<Status.InterfaceState> interfaces(Optional<String> vm);

  /** Prometheus text-format lines, each ending in a newline; may be empty. */
  String metrics();

  /** The agent as {@code /v1/status} shows it. */
  default Status.AgentState state(Optional<String> vm) {
    return running() ? new Status.AgentState(true, appliedRevision(), interfaces(vm)) : Status.AgentState.NONE;
  }

  /** No agent: the server serves the store alone. */
  AgentView NONE = new AgentView() {
    @Override
    public boolean running() {
      return false;
    }

    @Override
    public long appliedRevision() {
      return 0;
    }

    @Override
    public boolean awaitApplied(long revision, Duration timeout) {
      return false;
    }

    @Override
    public List<Status.InterfaceState> interfaces(Optional<String> vm) {
      return List.of();
    }

    @Override
    public String metrics() {
      return "";
    }
  };
}
