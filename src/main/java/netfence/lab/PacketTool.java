package netfence.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The lab's packet tool: {@code rawpkt.py} (stdlib-only Python, AF_PACKET),
 * shipped as a resource and extracted to a temporary file, run inside a
 * namespace as {@code ip netns exec NS python3 rawpkt.py send|sniff eth0}.
 */
final class PacketTool {
  private static final String RESOURCE = "/netfence/lab/rawpkt.py";

  /** Threads that sit in blocking reads of the tool's output; the common pool is far too small for them. */
  private static final Executor READERS = Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("rawpkt-", 0).factory());

  private final Sandbox sandbox;
  private final Path script;
  private final String python;

  private PacketTool(Sandbox sandbox, Path script, String python) {
    this.sandbox = sandbox;
    this.script = script;
    this.python = python;
  }

  static PacketTool extract(Sandbox sandbox) throws IOException {
    byte[] code;
    try (var in = PacketTool.class.getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the jar");
      code = in.readAllBytes();
    }
    // The system interpreter when there is one: a version manager's shim on PATH costs 100+ ms a start.
    String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    return new PacketTool(sandbox, sandbox.file(".py", code), python);
  }

  /** A running capture on {@code eth0} of a namespace: the frames (hex) that carry the run's mark. */
  static final class Sniffer {
    private final String ns;
    private final Process process;
    private final BufferedReader stderr;
    private final Queue<String> frames = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> reader;

    private Sniffer(String ns, Process process) {
      this.ns = ns;
      this.process = process;
      this.stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
      this.reader = CompletableFuture.runAsync(() -> {
        try (var r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
          for (String l = r.readLine(); l != null; l = r.readLine()) frames.add(l);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, READERS);
    }

    /** Returns once the capture socket is bound: frames from now on are seen. */
    void awaitReady() throws IOException {
      String first = stderr.readLine();
      if (!"READY".equals(first)) {
        throw new IllegalStateException("the capture in " + ns + " did not start: " + (first == null ? "no output" : first));
      }
    }

    /** The frames seen so far. */
    List<String> frames() {
      return List.copyOf(frames);
    }

    /** Ends the capture (by closing its stdin) and returns every frame it saw. */
    List<String> stop() throws IOException {
      process.getOutputStream().close();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) throw new IllegalStateException("the capture in " + ns + " did not stop");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      reader.join();
      if (process.exitValue() != 0) {
        throw new IllegalStateException("the capture in " + ns + " failed: " + String.join(" ", stderr.lines().toList()));
      }
      return frames();
    }
  }

  /** Starts a capture in {@code ns} of frames containing {@code markHex}; see {@link Sniffer#awaitReady}. */
  Sniffer sniff(String ns, String markHex) throws IOException {
    return new Sniffer(ns, sandbox.start(command(ns, "sniff", "eth0", markHex)));
  }

  /** Sends {@code frames} (hex) out of {@code eth0} of {@code ns} with one process; completes when all are sent. */
  CompletableFuture<Void> send(String ns, List<String> frames) throws IOException {
    Process p = sandbox.start(command(ns, "send", "eth0"));
    var err = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        return e.toString();
      }
    }, READERS);
    try (Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.US_ASCII)) {
      for (String f : frames) w.write(f + "\n");
    }
    return p.onExit().thenAccept(done -> {
      String said = err.join();
      if (done.exitValue() != 0 || !said.equals("sent " + frames.size())) {
        throw new IllegalStateException("sending from " + ns + " failed: " + said);
      }
    });
  }

  private ProcessBuilder command(String ns, String... args) {
    var cmd = new java.util.ArrayList<String>(List.of("ip", "netns", "exec", ns, python, script.toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd);
  }
}
