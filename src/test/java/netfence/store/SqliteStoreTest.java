package netfence.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest {
  @TempDir Path tmp;

  @Test
  void rowsRevisionsAndCompareAndSet() {
    Path dir = tmp.resolve("state");
    try (var store = SqliteStore.open(dir)) {
      assertThat(store.revision()).isZero();
      long r1 = store.commit(0, List.of(Store.Write.put(Kind.HOSTS, "hv1", "{}"), Store.Write.put(Kind.VMS, "a", "{\"x\":1}")));
      assertThat(r1).isEqualTo(1);
      long r2 = store.commit(1, List.of(Store.Write.delete(Kind.VMS, "a"), Store.Write.put(Kind.VMS, "b", "{}")));
      assertThat(r2).isEqualTo(2);
      assertThatThrownBy(() -> store.commit(1, List.of(Store.Write.put(Kind.VMS, "c", "{}"))))
          .isInstanceOf(Store.Conflict.class).hasMessageContaining("at revision 2, not 1");
      assertThat(store.read().rows()).extracting(Store.Row::name).containsExactlyInAnyOrder("hv1", "b");
      assertThat(store.since(1, 100).orElseThrow()).containsExactly(
          new Store.Event(2, Kind.VMS, "a", Optional.empty()), new Store.Event(2, Kind.VMS, "b", Optional.of("{}")));
    }
    try (var again = SqliteStore.open(dir)) {
      assertThat(again.revision()).isEqualTo(2);
      assertThat(again.since(0, 100).orElseThrow()).hasSize(4);
    }
  }

  @Test
  void oneProcessPerDirectoryAndThePrivateModes() throws Exception {
    Path dir = tmp.resolve("state");
    try (var store = SqliteStore.open(dir)) {
      store.commit(0, List.of(Store.Write.put(Kind.HOSTS, "hv1", "{}")));
      // A second opener, even in this process, is refused with the owner's pid.
      assertThatThrownBy(() -> SqliteStore.open(dir)).isInstanceOf(Store.StoreException.class)
          .hasMessageContaining("in use by another netfence process (pid " + ProcessHandle.current().pid() + ")");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
      for (String f : List.of(SqliteStore.FILE, SqliteStore.FILE + "-wal", SqliteStore.LOCK)) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f)))).as(f).isEqualTo("rw-------");
      }
    }
    // Loosened by someone: opening tightens it again.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(dir.resolve(SqliteStore.FILE), PosixFilePermissions.fromString("rw-r--r--"));
    try (var store = SqliteStore.open(dir)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(SqliteStore.FILE)))).isEqualTo("rw-------");
    }
  }

  @Test
  void oldChangesAreCompactedAndSaySo() {
    try (var store = SqliteStore.open(tmp.resolve("state"), 10)) {
      for (int i = 0; i < 40; i++) store.commit(i, List.of(Store.Write.put(Kind.VMS, "v" + i, "{}")));
      assertThat(store.since(0, 100)).as("revision 1 is gone").isEmpty();
      var recent = store.since(35, 100).orElseThrow();
      assertThat(recent).extracting(Store.Event::revision).containsExactly(36L, 37L, 38L, 39L, 40L);
      // A page never splits a revision, even one larger than the page.
      assertThat(store.since(35, 2).orElseThrow()).hasSize(2);
      store.commit(40, java.util.stream.IntStream.range(0, 5).mapToObj(i -> Store.Write.put(Kind.VMS, "big" + i, "{}")).toList());
      assertThat(store.since(40, 2).orElseThrow()).hasSize(5);
    }
  }

  @Test
  void watchReplaysThenFollows() throws Exception {
    try (var store = SqliteStore.open(tmp.resolve("state"))) {
      store.commit(0, List.of(Store.Write.put(Kind.VMS, "a", "{}")));
      store.commit(1, List.of(Store.Write.put(Kind.VMS, "b", "{}")));
      var seen = new ArrayList<Long>();
      try (var w = store.watch(1, events -> seen.add(events.getFirst().revision()))) {
        store.commit(2, List.of(Store.Write.put(Kind.VMS, "c", "{}")));
      }
      store.commit(3, List.of(Store.Write.put(Kind.VMS, "d", "{}")));
      assertThat(seen).containsExactly(2L, 3L);
    }
  }
}
