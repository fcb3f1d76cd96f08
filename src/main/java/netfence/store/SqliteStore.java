package netfence.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import netfence.inventory.Diagnostic;
import netfence.inventory.InventoryReader;
import netfence.inventory.InventoryReader.Fragment;
import netfence.inventory.Pos;
import netfence.model.Inventory;
import netfence.model.Vm;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * The embedded {@link StateStore}: one SQLite file, {@code netfence.db}, in a
 * state directory; one row per object and the revision.
 *
 * <pre>{@code
 * try (var store = SqliteStore.open(Path.of("/var/lib/netfence"))) {
 *   if (store.revision() == 0) store.importInventory(Path.of("inventory.yaml"));
 *   var r = store.apply(new StateStore.Mutation.Put(StateStore.Kind.VMS, "web",
 *       "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br100\"}]}"));
 *   System.out.println(store.get(StateStore.Kind.VMS, "web").orElseThrow()); // with index, tap, MAC, addresses
 *   System.out.print(store.exportYaml());                                     // what `netfence check` accepts
 * }
 * }</pre>
 *
 * <p>The journal is WAL with {@code synchronous=FULL}, so a change is on disk
 * before {@link #apply} returns. There is one connection and mutations hold a
 * lock from validation to commit, so allocation never races. Reads are served
 * from memory: the rows and the validated model are replaced after each commit.
 *
 * <p>Request bodies of VMs are allocated into when they are JSON; YAML bodies
 * are validated and stored as written.
 */
public final class SqliteStore implements StateStore {
  /** The file the store keeps in its state directory. */
  public static final String FILE = "netfence.db";

  /** The source name of a request body in diagnostics. */
  static final String REQUEST = "request";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Path file;
  private final Connection db;
  private final ReentrantLock lock = new ReentrantLock();
  private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();

  /** Bodies by kind and name, in creation order; replaced (never mutated) on commit. */
  private volatile State state;

  private record State(long revision, Map<Kind, Map<String, String>> bodies, Inventory inventory) {}

  private SqliteStore(Path file, Connection db, State state) {
    this.file = file;
    this.db = db;
    this.state = state;
  }

  /**
   * Opens (creating if needed) the store in {@code dir}, and validates it.
   *
   * @throws IllegalStateException when the stored objects are not a valid inventory, with every diagnostic
   * @throws java.io.UncheckedIOException when the directory or the database cannot be opened
   */
  public static SqliteStore open(Path dir) {
    Path file = dir.resolve(FILE);
    Connection db = null;
    try {
      Files.createDirectories(dir);
      db = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement s = db.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        // FULL: with WAL, NORMAL may lose the last commits on power loss; an acknowledged change must survive.
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=5000");
        s.execute("CREATE TABLE IF NOT EXISTS objects (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, "
            + "name TEXT NOT NULL, body TEXT NOT NULL, UNIQUE (kind, name))");
        s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
      }
      long revision = 0;
      var bodies = emptyBodies();
      try (Statement s = db.createStatement()) {
        try (var rs = s.executeQuery("SELECT value FROM meta WHERE key = 'revision'")) {
          if (rs.next()) revision = rs.getLong(1);
        }
        try (var rs = s.executeQuery("SELECT kind, name, body FROM objects ORDER BY seq")) {
          while (rs.next()) {
            Kind kind = kindOf(rs.getString(1)).orElseThrow(() -> new IllegalStateException(file + ": unknown kind in a row"));
            bodies.get(kind).put(rs.getString(2), rs.getString(3));
          }
        }
      }
      var result = InventoryReader.fromFragments(fragments(bodies, Optional.empty()));
      if (!result.ok()) {
        var msg = new StringBuilder(file + ": the stored inventory is invalid; refusing to start:");
        result.diagnostics().forEach(d -> msg.append("\n  ").append(d));
        throw new IllegalStateException(msg.toString());
      }
      return new SqliteStore(file, db, new State(revision, bodies, result.inventory().orElseThrow()));
    } catch (IOException e) {
      closeQuietly(db);
      throw new java.io.UncheckedIOException("cannot create the state directory " + dir + ": " + e.getMessage(), e);
    } catch (SQLException e) {
      closeQuietly(db);
      throw new java.io.UncheckedIOException(new IOException("cannot open " + file + ": " + e.getMessage(), e));
    } catch (RuntimeException e) {
      closeQuietly(db);
      throw e;
    }
  }

  @Override
  public Inventory inventory() {
    return state.inventory();
  }

  @Override
  public long revision() {
    return state.revision();
  }

  @Override
  public Optional<String> get(Kind kind, String name) {
    return Optional.ofNullable(state.bodies().get(kind).get(name));
  }

  @Override
  public List<String> names(Kind kind) {
    return List.copyOf(state.bodies().get(kind).keySet());
  }

  @Override
  public void addListener(Consumer<Change> listener) {
    listeners.add(listener);
  }

  @Override
  public Result apply(Mutation m) {
    lock.lock();
    try {
      State before = state;
      return switch (m) {
        case Mutation.Put put -> put(before, put);
        case Mutation.Delete delete -> delete(before, delete);
      };
    } finally {
      lock.unlock();
    }
  }

  private Result put(State before, Mutation.Put put) {
    VmAllocation alloc = put.kind() == Kind.VMS
        ? VmAllocation.allocate(put.name(), put.body(), before.inventory(), REQUEST)
        : VmAllocation.none(put.body());
    if (!alloc.errors().isEmpty()) return failed(before, alloc.errors());
    var request = new Fragment(put.kind().key(), put.name(), REQUEST, alloc.text());
    var result = InventoryReader.fromFragments(fragments(before.bodies(), Optional.of(request)));
    if (!result.ok()) return failed(before, result.diagnostics().stream().map(alloc::toRequest).toList());

    String stored = alloc.insertions().isEmpty() ? put.body() : alloc.stored();
    var bodies = copy(before.bodies());
    bodies.get(put.kind()).put(put.name(), stored); // a replaced object keeps its place
    commit(before, bodies, inOrder(result.inventory().orElseThrow(), bodies), c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO objects (kind, name, body) VALUES (?, ?, ?) "
          + "ON CONFLICT (kind, name) DO UPDATE SET body = excluded.body")) {
        s.setString(1, put.kind().key());
        s.setString(2, put.name());
        s.setString(3, stored);
        s.executeUpdate();
      }
    });
    return new Result(true, state.revision(), Optional.of(stored), List.of());
  }

  private Result delete(State before, Mutation.Delete delete) {
    if (!before.bodies().get(delete.kind()).containsKey(delete.name())) {
      return failed(before, List.of(error("%s '%s' does not exist", singular(delete.kind()), delete.name())));
    }
    // The decoder would blame each VM for naming what is gone; say instead what stops the deletion.
    List<String> users = before.inventory().vms().stream().filter(v -> switch (delete.kind()) {
      case HOSTS -> v.host().equals(delete.name());
      case NETWORKS -> v.interfaces().stream().anyMatch(i -> i.network().equals(delete.name()));
      case VMS -> false;
    }).map(Vm::name).toList();
    if (!users.isEmpty()) {
      return failed(before, List.of(error("%s '%s' is still used by VM(s) %s; delete them or move them elsewhere first",
          singular(delete.kind()), delete.name(), String.join(", ", users))));
    }
    var bodies = copy(before.bodies());
    bodies.get(delete.kind()).remove(delete.name());
    var result = InventoryReader.fromFragments(fragments(bodies, Optional.empty()));
    if (!result.ok()) return failed(before, result.diagnostics());
    commit(before, bodies, result.inventory().orElseThrow(), c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM objects WHERE kind = ? AND name = ?")) {
        s.setString(1, delete.kind().key());
        s.setString(2, delete.name());
        s.executeUpdate();
      }
    });
    return new Result(true, state.revision(), Optional.empty(), List.of());
  }

  /**
   * Imports an inventory file into an empty store, every object becoming a row,
   * in one commit. Returns the file's diagnostics; nothing is imported when
   * there is an error.
   *
   * @throws IllegalStateException when the store is not empty
   */
  public Result importInventory(Path inventoryFile) {
    lock.lock();
    try {
      State before = state;
      if (before.bodies().values().stream().anyMatch(b -> !b.isEmpty())) {
        throw new IllegalStateException(file + " is not empty (revision " + before.revision() + "); import needs an empty store");
      }
      var read = InventoryReader.read(inventoryFile);
      if (!read.ok()) return failed(before, read.diagnostics());
      var bodies = emptyBodies();
      Object root = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(inventoryFile));
      if (root instanceof Map<?, ?> top) {
        for (Kind kind : Kind.values()) {
          if (top.get(kind.key()) instanceof Map<?, ?> objects) {
            for (var e : objects.entrySet()) {
              Object body = e.getValue() == null ? Map.of() : e.getValue();
              bodies.get(kind).put(String.valueOf(e.getKey()), MAPPER.writeValueAsString(body));
            }
          }
        }
      }
      var result = InventoryReader.fromFragments(fragments(bodies, Optional.empty()));
      if (!result.ok()) return failed(before, result.diagnostics());
      commit(before, bodies, result.inventory().orElseThrow(), c -> {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO objects (kind, name, body) VALUES (?, ?, ?)")) {
          for (Kind kind : Kind.values()) {
            for (var e : bodies.get(kind).entrySet()) {
              s.setString(1, kind.key());
              s.setString(2, e.getKey());
              s.setString(3, e.getValue());
              s.addBatch();
            }
          }
          s.executeBatch();
        }
      });
      return new Result(true, state.revision(), Optional.empty(), read.diagnostics());
    } catch (IOException e) {
      return failed(state, List.of(new Diagnostic(new Pos(inventoryFile.toString(), 1, 1), Diagnostic.Severity.ERROR,
          "cannot read: " + e.getMessage())));
    } finally {
      lock.unlock();
    }
  }

  /** The whole store as an inventory YAML document, objects in creation order; {@code netfence check} accepts it. */
  public String exportYaml() {
    Map<Kind, Map<String, String>> bodies = state.bodies();
    var top = new LinkedHashMap<String, Object>();
    var load = new Load(LoadSettings.builder().build());
    for (Kind kind : Kind.values()) {
      var objects = new LinkedHashMap<String, Object>();
      bodies.get(kind).forEach((name, body) -> objects.put(name, body.isBlank() ? Map.of() : load.loadFromString(body)));
      top.put(kind.key(), objects);
    }
    return new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build()).dumpToString(top);
  }

  @Override
  public void close() {
    lock.lock();
    try {
      db.close();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot close " + file + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** The rows to write in one transaction. */
  private interface Write {
    void to(Connection c) throws SQLException;
  }

  /** Writes, bumps the revision and commits in one transaction; then publishes the new state and tells listeners. */
  private void commit(State before, Map<Kind, Map<String, String>> bodies, Inventory after, Write write) {
    long revision = before.revision() + 1;
    try {
      db.setAutoCommit(false);
      try {
        write.to(db);
        try (PreparedStatement s = db.prepareStatement("INSERT INTO meta (key, value) VALUES ('revision', ?) "
            + "ON CONFLICT (key) DO UPDATE SET value = excluded.value")) {
          s.setLong(1, revision);
          s.executeUpdate();
        }
        db.commit();
      } catch (SQLException e) {
        db.rollback();
        throw e;
      } finally {
        db.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot commit revision " + revision + " to " + file + ": " + e.getMessage(), e);
    }
    state = new State(revision, bodies, after);
    var change = new Change(revision, before.inventory(), after);
    listeners.forEach(l -> l.accept(change));
  }

  private static Result failed(State s, List<Diagnostic> diagnostics) {
    var errors = diagnostics.stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).sorted().toList();
    return new Result(false, s.revision(), Optional.empty(), errors);
  }

  private static Diagnostic error(String format, Object... args) {
    return new Diagnostic(new Pos(REQUEST, 1, 1), Diagnostic.Severity.ERROR, String.format(format, args));
  }

  private static String singular(Kind kind) {
    return switch (kind) {
      case HOSTS -> "host";
      case NETWORKS -> "network";
      case VMS -> "VM";
    };
  }

  /**
   * The fragments to validate. A request comes last of its kind even when it
   * replaces an object, so that a clash between it and a stored object is
   * reported at the request, where the client can fix it.
   */
  private static List<Fragment> fragments(Map<Kind, Map<String, String>> bodies, Optional<Fragment> request) {
    var list = new ArrayList<Fragment>();
    for (Kind kind : Kind.values()) {
      bodies.get(kind).forEach((name, body) -> {
        boolean replaced = request.filter(r -> r.kind().equals(kind.key()) && r.name().equals(name)).isPresent();
        if (!replaced) list.add(new Fragment(kind.key(), name, "store:" + kind.key() + "/" + name, body));
      });
      request.filter(r -> r.kind().equals(kind.key())).ifPresent(list::add);
    }
    return list;
  }

  /** The model with objects in creation order (validation may have seen a replaced object last). */
  private static Inventory inOrder(Inventory inv, Map<Kind, Map<String, String>> bodies) {
    return new Inventory(sorted(inv.hosts(), bodies.get(Kind.HOSTS), netfence.model.Host::name),
        sorted(inv.networks(), bodies.get(Kind.NETWORKS), netfence.model.Network::name),
        sorted(inv.vms(), bodies.get(Kind.VMS), Vm::name));
  }

  private static <T> List<T> sorted(List<T> items, Map<String, String> order, Function<T, String> name) {
    var position = new java.util.HashMap<String, Integer>();
    for (String n : order.keySet()) position.put(n, position.size());
    return items.stream().sorted(Comparator.comparingInt(t -> position.getOrDefault(name.apply(t), Integer.MAX_VALUE))).toList();
  }

  private static Map<Kind, Map<String, String>> emptyBodies() {
    var m = new EnumMap<Kind, Map<String, String>>(Kind.class);
    for (Kind k : Kind.values()) m.put(k, new LinkedHashMap<>());
    return m;
  }

  private static Map<Kind, Map<String, String>> copy(Map<Kind, Map<String, String>> bodies) {
    var m = new EnumMap<Kind, Map<String, String>>(Kind.class);
    bodies.forEach((k, v) -> m.put(k, new LinkedHashMap<>(v)));
    return m;
  }

  static Optional<Kind> kindOf(String key) {
    for (Kind k : Kind.values()) if (k.key().equals(key)) return Optional.of(k);
    return Optional.empty();
  }

  private static void closeQuietly(Connection c) {
    if (c == null) return;
    try {
      c.close();
    } catch (SQLException ignored) {
      // Already failing: the first error is the one to report.
    }
  }
}
