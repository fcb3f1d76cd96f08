package netfence.api;

import java.util.List;
import java.util.Map;

/**
 * What {@code GET /v1/status} answers, written and read by Jackson: the desired state's
 * revision and what the agent of this machine has made of it. {@code netfence status -o json}
 * prints it as it is; the shape is documented in {@code openapi/netfence-v1.yaml}.
 *
 * <pre>{@code
 * Status s = api.status();
 * boolean inSync = s.agent().running() && s.agent().appliedRevision() == s.revision();
 * }</pre>
 */
public record Status(long revision, AgentState agent) {
  /**
   * The agent: whether one runs here, the last revision it has acted on (its changes are in the
   * kernel, or their interfaces are {@code FAILED}), and every VM interface of this host.
   */
  public record AgentState(boolean running, long appliedRevision, List<InterfaceState> interfaces) {
    public AgentState {
      interfaces = List.copyOf(interfaces);
    }

    /** No agent runs: the service serves the store and the API only. */
    public static final AgentState NONE = new AgentState(false, 0, List.of());
  }

  /**
   * One VM interface: {@code state} is {@code PENDING} (its tap does not exist yet), {@code APPLIED}
   * or {@code FAILED}; {@code reason} says why when not applied; {@code drops} counts packets dropped
   * from it per reason, only reasons with a drop.
   */
  public record InterfaceState(String vm, int interfaceNumber, String tap, String state, String reason, Map<String, Long> drops) {
    public InterfaceState {
      reason = reason == null ? "" : reason;
      drops = drops == null ? Map.of() : Map.copyOf(drops);
    }
  }
}
