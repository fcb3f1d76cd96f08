package netfence.api;

import java.util.List;

/**
 * A request the API refuses before it reaches the state service (a bad path, query or body),
 * with its HTTP status and the messages the client gets; thrown while a request is read.
 */
final class Refusal extends Exception {
  private final int status;
  private final List<String> messages;

  Refusal(int status, String message) {
    this(status, List.of(message));
  }

  Refusal(int status, List<String> messages) {
    super(messages.isEmpty() ? "HTTP " + status : messages.getFirst(), null, false, false);
    this.status = status;
    this.messages = List.copyOf(messages);
  }

  int status() {
    return status;
  }

  List<String> messages() {
    return messages;
  }
}
