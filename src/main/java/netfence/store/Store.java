package netfence.store;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the desired state is kept: rows (kind, name, body) and one revision,
 * and nothing else. It does not validate, allocate or interpret a body: that
 * is the state service's job. It is shaped after etcd, which a clustered
 * store implements it with: every commit is one new revision; a commit names
 * the revision it was prepared against and fails if another writer committed
 * since (compare-and-set); the changes of recent revisions can be read back,
 * until they are compacted.
 *
 * <pre>{@code
 * try (Store store = SqliteStore.open(Path.of("/var/lib/netfence"))) {
 *   var snap = store.read();
 *   long r = store.commit(snap.revision(), List.of(Store.Write.put(Kind.VMS, "web", "{...}")));
 *   store.since(r - 1, 100).ifPresent(events -> ...);   // the change just made
 * }
 * }</pre>
 */
public interface Store extends AutoCloseable {
  /** Every row, at one revision. */
  Snapshot read();

  /** The revision of the last commit; 0 for an empty store. */
  long revision();

  /**
   * Writes {@code writes} as one new revision if the store is at {@code expected}; durable when
   * it returns. Several writes may name the same kind but never the same object. Revisions only
   * grow; they need not be consecutive (etcd's are shared with everything else in the cluster).
   *
   * @return the new revision, greater than {@code expected}
   * @throws Conflict when another writer committed since {@code expected}; nothing was written
   * @throws StoreException when the store cannot commit; nothing was written
   */
  long commit(long expected, List<Write> writes);

  /**
   * The changes of the revisions after {@code revision}, oldest first, at most {@code limit}
   * (a revision's changes are never split); empty when some of them are compacted away.
   */
  Optional<List<Event>> since(long revision, int limit);

  /**
   * Calls {@code listener} with the changes of each revision after {@code revision}, in order,
   * including those committed by other writers (a clustered store). The embedded store has
   * no other writer: its watch sees its own commits.
   */
  AutoCloseable watch(long revision, Consumer<List<Event>> listener);

  /** Says where the store is, for logs: a file or the endpoints of a cluster. */
  String describe();

  @Override
  void close();

  /** One object as stored. */
  record Row(Kind kind, String name, String body) {}

  /** Every row at {@code revision}. */
  record Snapshot(long revision, List<Row> rows) {
    public Snapshot {
      rows = List.copyOf(rows);
    }
  }

  /** Sets (a body) or removes (none) one object. */
  record Write(Kind kind, String name, Optional<String> body) {
    public static Write put(Kind kind, String name, String body) {
      return new Write(kind, name, Optional.of(body));
    }

    public static Write delete(Kind kind, String name) {
      return new Write(kind, name, Optional.empty());
    }
  }

  /** One object's change in a revision: its new body, or none when it was removed. */
  record Event(long revision, Kind kind, String name, Optional<String> body) {}

  /** A commit that failed because the store moved on: re-read and try again. */
  final class Conflict extends RuntimeException {
    private final long actual;

    public Conflict(long expected, long actual) {
      super("the store is at revision " + actual + ", not " + expected + ": another writer committed");
      this.actual = actual;
    }

    public long actual() {
      return actual;
    }
  }

  /** The store could not do what was asked; nothing was written. */
  final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
      super(message, cause);
    }

    public StoreException(String message) {
      super(message);
    }
  }
}
