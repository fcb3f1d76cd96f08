package netfence.state;

import java.util.List;
import java.util.Optional;
import netfence.inventory.Diagnostic;

/**
 * What became of a {@link Mutation}. {@link Status#COMMITTED} means durable:
 * the store has it on disk, whatever happens next; it is never reported as
 * failed afterwards. The other outcomes changed nothing.
 *
 * @param revision the revision that holds the change, or the current one when nothing changed
 * @param body the stored body of a put (canonical JSON, with what was allocated)
 * @param errors for {@code REJECTED} and {@code NOT_FOUND}, every problem at its place in the request;
 *     for {@code UNAVAILABLE}, why
 */
public record Result(Status status, long revision, Optional<String> body, List<Diagnostic> errors) {
  /** The outcomes, and the HTTP status the API answers each with. */
  public enum Status {
    /** Validated, allocated and durable. */
    COMMITTED(200),
    /** Invalid: nothing changed. */
    REJECTED(422),
    /** A delete of an object that does not exist. */
    NOT_FOUND(404),
    /** Not done, and not doable now: the store failed, or the service is busy or closing. Retry. */
    UNAVAILABLE(503);

    private final int http;

    Status(int http) {
      this.http = http;
    }

    public int http() {
      return http;
    }
  }

  public Result {
    errors = List.copyOf(errors);
  }

  public boolean ok() {
    return status == Status.COMMITTED;
  }
}
