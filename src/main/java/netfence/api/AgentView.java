package netfence.api;

/**
 * What the API shows of the agent: {@code GET /v1/status} embeds {@link
 * #statusJson()} under {@code "agent"}, {@code GET /metrics} appends {@link
 * #metrics()}. The server runs without an agent ({@link #NONE}); the agent
 * plugs in here when it exists.
 */
public interface AgentView {
  /** The agent's state as one JSON value. */
  String statusJson();

  /** Prometheus text-format lines, each ending in a newline; may be empty. */
  String metrics();

  /** No agent: the server serves the store alone. */
  AgentView NONE = new AgentView() {
    @Override
    public String statusJson() {
      return "{\"running\": false}";
    }

    @Override
    public String metrics() {
      return "";
    }
  };
}
