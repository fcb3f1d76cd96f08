package netfence.store;

import java.nio.file.Path;
import netfence.store.StateStore.Kind;
import netfence.store.StateStore.Mutation;

/** Run by {@link SqliteStoreTest} in a child JVM: creates VMs forever, printing {@code ack NAME} after each commit. */
final class StoreCrashChild {
  private StoreCrashChild() {}

  public static void main(String[] args) {
    try (var store = SqliteStore.open(Path.of(args[0]))) {
      for (int i = 0; ; i++) {
        String name = "crash" + i;
        var r = store.apply(new Mutation.Put(Kind.VMS, name, "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"br\"}]}"));
        if (!r.ok()) {
          System.out.println("error " + r.errors());
          return;
        }
        System.out.println("ack " + name);
        System.out.flush();
      }
    }
  }
}
