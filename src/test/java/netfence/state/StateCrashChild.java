package netfence.state;

import java.nio.file.Path;
import java.util.concurrent.Executors;
import netfence.store.Kind;
import netfence.store.SqliteStore;

/**
 * Run by {@link StateServiceTest} in a child JVM: 8 threads create VMs
 * forever, printing {@code ack NAME} once each is committed, until killed.
 */
final class StateCrashChild {
  private StateCrashChild() {}

  public static void main(String[] args) throws Exception {
    var store = SqliteStore.open(Path.of(args[0]));
    var state = StateService.open(store, System.err::println);
    var pool = Executors.newFixedThreadPool(8);
    for (int t = 0; t < 8; t++) {
      int thread = t;
      pool.execute(() -> {
        for (int i = 0; ; i++) {
          String name = "crash" + thread + "-" + i;
          var r = state.submit(new Mutation.Put(Kind.VMS, name, "{\"host\": \"hv1\", \"interfaces\": [{\"network\": \"big\"}]}")).join();
          if (!r.ok()) {
            System.out.println("error " + r.errors());
            return;
          }
          synchronized (System.out) {
            System.out.println("ack " + name);
            System.out.flush();
          }
        }
      });
    }
    Thread.sleep(Long.MAX_VALUE);
  }
}
