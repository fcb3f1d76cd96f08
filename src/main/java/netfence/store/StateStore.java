package netfence.store;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import netfence.inventory.Diagnostic;
import netfence.model.Inventory;

/**
 * Where the desired state lives. Every mutation is validated against the
 * whole inventory with the same checks and messages as {@code netfence
 * check}, is durable when {@link #apply} returns ok, and bumps the revision.
 * Mutations are serialised: concurrent callers never both get the same
 * allocated index, address or MAC.
 *
 * <pre>{@code
 * try (StateStore store = SqliteStore.open(Path.of("/var/lib/netfence"))) {
 *   var r = store.apply(new Mutation.Put(Kind.VMS, "web", "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"vmnet\"}]}"));
 *   r.errors().forEach(System.err::println);      // FILE:LINE:COL: error: ... with FILE = "request"
 * }
 * }</pre>
 */
public interface StateStore extends AutoCloseable {
  /** The current desired state, validated. */
  Inventory inventory();

  /** Increases by one with every committed mutation; 0 for an empty store. */
  long revision();

  /** The stored body of one object (inventory-format JSON, with allocated fields filled in). */
  Optional<String> get(Kind kind, String name);

  /** The names of the objects of one kind, in creation order. */
  List<String> names(Kind kind);

  /** Validates, allocates and commits one change; on error nothing changes. */
  Result apply(Mutation m);

  /** Called after each commit, in commit order, on the committing thread. */
  void addListener(Consumer<Change> listener);

  @Override
  void close();

  /** The kinds of objects, named as the inventory's top-level keys. */
  enum Kind {
    HOSTS("hosts"), NETWORKS("networks"), VMS("vms");

    private final String key;

    Kind(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }
  }

  /** A change to the desired state. Bodies are the object's inventory-format mapping as JSON (or YAML). */
  sealed interface Mutation {
    Kind kind();

    String name();

    /**
     * Creates or replaces an object; for VMs with a JSON body, a missing index, tap, MAC and (on bridged
     * networks) addresses are allocated and written into the stored body. YAML bodies are stored as written.
     */
    record Put(Kind kind, String name, String body) implements Mutation {}

    record Delete(Kind kind, String name) implements Mutation {}
  }

  /** The outcome: the new revision and the stored body, or every error (positions in the request body). */
  record Result(boolean ok, long revision, Optional<String> body, List<Diagnostic> errors) {}

  /** A committed change: the desired state before and after. */
  record Change(long revision, Inventory before, Inventory after) {}
}
