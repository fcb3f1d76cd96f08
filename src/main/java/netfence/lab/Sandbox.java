package netfence.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import netfence.dataplane.Exec;
import netfence.dataplane.Netns;

/**
 * Everything one lab run creates: namespaces, processes, files. Closing it
 * removes all of them; so does a JVM shutdown hook (Ctrl-C). Opening it
 * takes a lock, so only one lab runs at a time on a machine, and then
 * deletes what an earlier, interrupted run left behind.
 */
final class Sandbox implements AutoCloseable {
  private static final Path LOCK = Path.of(System.getProperty("java.io.tmpdir"), "netfence-lab.lock");
  private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));
  /** Files the lab extracts are named {@code nfl-lab-*}. */
  private static final String FILE_PREFIX = Topology.PREFIX + "lab-";

  private final FileChannel lockChannel;
  private final FileLock lock;
  private final List<String> namespaces = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final List<Path> files = new ArrayList<>();
  private final Thread hook = new Thread(this::close, "netfence-lab-teardown");
  private boolean closed;

  private Sandbox(FileChannel channel, FileLock lock) {
    this.lockChannel = channel;
    this.lock = lock;
  }

  /** How long a lab waits for another one to finish before giving up. */
  private static final java.time.Duration WAIT_FOR_OTHER_LAB = java.time.Duration.ofSeconds(120);

  static Sandbox open() {
    try {
      var channel = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = null;
      // Another lab (another shell, another test run) finishes within seconds: wait for it a while.
      long deadline = System.nanoTime() + WAIT_FOR_OTHER_LAB.toNanos();
      boolean told = false;
      while (lock == null) {
        try {
          lock = channel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException sameJvm) {
          lock = null;
        }
        if (lock != null) break;
        if (System.nanoTime() > deadline) {
          channel.close();
          throw new IllegalStateException("another netfence lab is still running after " + WAIT_FOR_OTHER_LAB.toSeconds()
              + " s (it holds " + LOCK + ")");
        }
        if (!told) {
          System.err.println("netfence: another lab is running; waiting for it to finish");
          told = true;
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          channel.close();
          throw new IllegalStateException("interrupted while waiting for another lab");
        }
      }
      var sandbox = new Sandbox(channel, lock);
      deleteLeftovers();
      Runtime.getRuntime().addShutdownHook(sandbox.hook);
      return sandbox;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Namespaces and extracted files of an earlier run that was killed before it could clean up. */
  static void deleteLeftovers() {
    for (String ns : labNamespaces()) Exec.run(List.of("ip", "netns", "del", ns));
    try (var s = Files.newDirectoryStream(TMP, FILE_PREFIX + "*")) {
      for (Path p : s) Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The lab's namespaces that exist now. */
  static List<String> labNamespaces() {
    var out = Exec.run(List.of("ip", "netns", "list")).orThrow().stdout();
    return out.lines().map(l -> l.split(" ", 2)[0]).filter(n -> n.startsWith(Topology.PREFIX)).toList();
  }

  /** Creates a namespace (loopback up) that closing deletes. */
  synchronized Netns namespace(String name) {
    requireOpen();
    namespaces.add(name);
    Netns.create(name);
    return Netns.existing(name);
  }

  synchronized Process start(ProcessBuilder pb) throws IOException {
    requireOpen();
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  synchronized Path file(String suffix, byte[] content) throws IOException {
    requireOpen();
    Path p = Files.createTempFile(TMP, FILE_PREFIX, suffix);
    files.add(p);
    Files.write(p, content);
    return p;
  }

  /** Deletes this host's namespaces early, so a multi-host run does not pile them up. */
  synchronized void deleteNamespaces(List<String> names) {
    for (String n : names) {
      if (namespaces.remove(n)) Exec.run(List.of("ip", "netns", "del", n));
    }
  }

  private void requireOpen() {
    if (closed) throw new IllegalStateException("the lab is being torn down");
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    processes.forEach(Process::destroyForcibly);
    for (Process p : processes) {
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (String n : namespaces.reversed()) Exec.run(List.of("ip", "netns", "del", n));
    namespaces.clear();
    for (Path f : files) {
      try {
        Files.deleteIfExists(f);
      } catch (IOException ignored) {
        // best effort: the next run deletes it as a leftover
      }
    }
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException ignored) {
      // the lock goes away with the process anyway
    }
    if (Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // the hook runs (or ran) close(), which is idempotent
      }
    }
  }
}
