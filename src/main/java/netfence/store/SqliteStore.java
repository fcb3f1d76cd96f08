package netfence.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The embedded {@link Store}: one SQLite file, {@code netfence.db}, in a state
 * directory that one process owns at a time.
 *
 * <ul>
 *   <li>Durable on return: the journal is WAL with {@code synchronous=FULL}, so a commit
 *       is on disk (one fsync) before {@link #commit} returns. One commit may carry the
 *       writes of many requests: the state service groups them, one fsync for all.
 *   <li>One owner: the directory is locked ({@code lock}, holding the owner's pid) for as
 *       long as the store is open; a second process is refused with the owner's pid, so two
 *       services never allocate the same index from one state.
 *   <li>Private: the directory is {@code 0700} and the files {@code 0600}, whatever the umask.
 *   <li>The changes of the last {@value #RETAIN} revisions are kept for {@link #since}.
 * </ul>
 */
public final class SqliteStore implements Store {
  /** The file the store keeps in its state directory. */
  public static final String FILE = "netfence.db";

  /** The lock file: held while a process has the store open; holds that process's pid. */
  public static final String LOCK = "lock";

  /** How many revisions of changes are kept for readers of the change feed. */
  static final long RETAIN = 100_000;

  private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

  private final Path dir;
  private final Path file;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Connection db;
  private final Connection reader;
  private final List<Consumer<List<Event>>> watchers = new CopyOnWriteArrayList<>();
  private final long retain;
  private volatile long revision;
  private long compacted;

  private SqliteStore(Path dir, FileChannel lockChannel, FileLock lock, Connection db, Connection reader, long retain, long revision,
      long compacted) {
    this.retain = retain;
    this.dir = dir;
    this.file = dir.resolve(FILE);
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.db = db;
    this.reader = reader;
    this.revision = revision;
    this.compacted = compacted;
  }

  /**
   * Opens (creating if needed) the store in {@code dir} and locks it.
   *
   * @throws StoreException when another process holds the directory, or it cannot be opened
   */
  public static SqliteStore open(Path dir) {
    return open(dir, RETAIN);
  }

  /** The same, keeping the changes of the last {@code retain} revisions (tests make it small). */
  static SqliteStore open(Path dir, long retain) {
    FileChannel channel = null;
    FileLock lock = null;
    Connection db = null;
    Connection reader = null;
    try {
      if (Files.isDirectory(dir)) Files.setPosixFilePermissions(dir, PRIVATE_DIR);
      else Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
      Path lockFile = dir.resolve(LOCK);
      channel = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
          PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
      try {
        lock = channel.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException e) {
        lock = null; // this very process holds it
      }
      if (lock == null) {
        String owner = Files.readString(lockFile).strip();
        throw new StoreException(dir + " is in use by another netfence process" + (owner.isEmpty() ? "" : " (pid " + owner + ")")
            + "; one state directory has one service");
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
      Path file = dir.resolve(FILE);
      // SQLite creates the -wal and -shm files with the mode of the database file.
      if (!Files.exists(file)) Files.createFile(file, PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
      db = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement s = db.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        // FULL: with WAL, NORMAL may lose the last commits on power loss; an acknowledged change must survive.
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=5000");
        s.execute("CREATE TABLE IF NOT EXISTS objects (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, "
            + "name TEXT NOT NULL, body TEXT NOT NULL, UNIQUE (kind, name))");
        s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
        s.execute("CREATE TABLE IF NOT EXISTS events (revision INTEGER NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, "
            + "name TEXT NOT NULL, body TEXT, PRIMARY KEY (revision, seq)) WITHOUT ROWID");
      }
      for (String f : List.of(FILE, FILE + "-wal", FILE + "-shm")) {
        Path p = dir.resolve(f);
        if (Files.exists(p)) Files.setPosixFilePermissions(p, PRIVATE_FILE);
      }
      reader = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement s = reader.createStatement()) {
        s.execute("PRAGMA busy_timeout=5000");
      }
      return new SqliteStore(dir, channel, lock, db, reader, retain, meta(db, "revision"), meta(db, "compacted"));
    } catch (IOException e) {
      closeAll(db, reader, lock, channel);
      throw new StoreException("cannot open the state directory " + dir + ": " + e.getMessage(), e);
    } catch (SQLException e) {
      closeAll(db, reader, lock, channel);
      throw new StoreException("cannot open " + dir.resolve(FILE) + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeAll(db, reader, lock, channel);
      throw e;
    }
  }

  private static long meta(Connection c, String key) throws SQLException {
    try (var s = c.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
      s.setString(1, key);
      try (var rs = s.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  @Override
  public Snapshot read() {
    synchronized (db) {
      try (Statement s = db.createStatement(); var rs = s.executeQuery("SELECT kind, name, body FROM objects ORDER BY seq")) {
        var rows = new ArrayList<Row>();
        while (rs.next()) {
          String key = rs.getString(1);
          Kind kind = Kind.of(key).orElseThrow(() -> new StoreException(file + ": a row of unknown kind '" + key + "'"));
          rows.add(new Row(kind, rs.getString(2), rs.getString(3)));
        }
        return new Snapshot(revision, rows);
      } catch (SQLException e) {
        throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }
  }

  @Override
  public long revision() {
    return revision;
  }

  @Override
  public long commit(long expected, List<Write> writes) {
    List<Event> events = new ArrayList<>();
    long next;
    synchronized (db) {
      if (revision != expected) throw new Conflict(expected, revision);
      next = expected + 1;
      try {
        db.setAutoCommit(false);
        try (PreparedStatement put = db.prepareStatement("INSERT INTO objects (kind, name, body) VALUES (?, ?, ?) "
            + "ON CONFLICT (kind, name) DO UPDATE SET body = excluded.body");
            PreparedStatement del = db.prepareStatement("DELETE FROM objects WHERE kind = ? AND name = ?");
            PreparedStatement ev = db.prepareStatement("INSERT INTO events (revision, seq, kind, name, body) VALUES (?, ?, ?, ?, ?)")) {
          int seq = 0;
          for (Write w : writes) {
            PreparedStatement s = w.body().isPresent() ? put : del;
            s.setString(1, w.kind().key());
            s.setString(2, w.name());
            if (w.body().isPresent()) s.setString(3, w.body().get());
            s.addBatch();
            ev.setLong(1, next);
            ev.setInt(2, seq++);
            ev.setString(3, w.kind().key());
            ev.setString(4, w.name());
            ev.setString(5, w.body().orElse(null));
            ev.addBatch();
            events.add(new Event(next, w.kind(), w.name(), w.body()));
          }
          put.executeBatch();
          del.executeBatch();
          ev.executeBatch();
          setMeta("revision", next);
          long oldest = next - retain;
          // Trimmed now and then, so the cost is spread over many commits.
          boolean trim = oldest > compacted && next % Math.min(1000, Math.max(1, retain)) == 0;
          if (trim) {
            try (var delete = db.prepareStatement("DELETE FROM events WHERE revision <= ?")) {
              delete.setLong(1, oldest);
              delete.executeUpdate();
            }
            setMeta("compacted", oldest);
          }
          db.commit();
          if (trim) compacted = oldest;
        } catch (SQLException e) {
          db.rollback();
          throw e;
        } finally {
          db.setAutoCommit(true);
        }
      } catch (SQLException e) {
        throw new StoreException("cannot commit revision " + next + " to " + file + ": " + e.getMessage(), e);
      }
      revision = next;
    }
    var list = List.copyOf(events);
    for (var w : watchers) w.accept(list);
    return next;
  }

  private void setMeta(String key, long value) throws SQLException {
    try (PreparedStatement s = db.prepareStatement("INSERT INTO meta (key, value) VALUES (?, ?) "
        + "ON CONFLICT (key) DO UPDATE SET value = excluded.value")) {
      s.setString(1, key);
      s.setLong(2, value);
      s.executeUpdate();
    }
  }

  @Override
  public Optional<List<Event>> since(long after, int limit) {
    synchronized (reader) {
      try {
        if (after < meta(reader, "compacted")) return Optional.empty();
        var out = new ArrayList<Event>();
        try (var s = reader.prepareStatement("SELECT revision, kind, name, body FROM events WHERE revision > ? ORDER BY revision, seq LIMIT ?")) {
          s.setLong(1, after);
          s.setInt(2, limit + 1);
          try (var rs = s.executeQuery()) {
            while (rs.next()) {
              out.add(new Event(rs.getLong(1), Kind.of(rs.getString(2)).orElseThrow(), rs.getString(3), Optional.ofNullable(rs.getString(4))));
            }
          }
        }
        if (out.size() > limit) {
          // Never split a revision: drop the last one's changes; when it is the only one, read it whole.
          long last = out.getLast().revision();
          var whole = out.stream().filter(e -> e.revision() != last).toList();
          if (!whole.isEmpty()) return Optional.of(whole);
          var all = new ArrayList<Event>();
          try (var s = reader.prepareStatement("SELECT revision, kind, name, body FROM events WHERE revision = ? ORDER BY seq")) {
            s.setLong(1, last);
            try (var rs = s.executeQuery()) {
              while (rs.next()) {
                all.add(new Event(rs.getLong(1), Kind.of(rs.getString(2)).orElseThrow(), rs.getString(3), Optional.ofNullable(rs.getString(4))));
              }
            }
          }
          return Optional.of(all);
        }
        return Optional.of(out);
      } catch (SQLException e) {
        throw new StoreException("cannot read the changes after revision " + after + " from " + file + ": " + e.getMessage(), e);
      }
    }
  }

  @Override
  public AutoCloseable watch(long after, Consumer<List<Event>> listener) {
    // Only this process writes: what is committed until the listener is in place is what since() returns.
    synchronized (db) {
      since(after, Integer.MAX_VALUE - 1).orElseThrow(() -> new StoreException("revision " + after + " is compacted"))
        .stream().collect(java.util.stream.Collectors.groupingBy(Event::revision, java.util.TreeMap::new, java.util.stream.Collectors.toList()))
          .values().forEach(listener);
      watchers.add(listener);
    }
    return () -> watchers.remove(listener);
  }

  @Override
  public String describe() {
    return file.toString();
  }

  /** The state directory. */
  public Path directory() {
    return dir;
  }

  @Override
  public void close() {
    synchronized (db) {
      closeAll(db, reader, lock, lockChannel);
    }
  }

  private static void closeAll(Connection db, Connection reader, FileLock lock, FileChannel channel) {
    for (AutoCloseable c : new AutoCloseable[] {db, reader, lock, channel}) {
      if (c == null) continue;
      try {
        c.close();
      } catch (Exception e) {
        // Closing after a failure or at the end: the first error is the one that matters.
      }
    }
  }
}
