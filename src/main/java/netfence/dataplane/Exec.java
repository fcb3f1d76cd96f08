package netfence.dataplane;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program and collects its output. No shell is involved: arguments
 * are passed as they are, so names can never be interpreted as syntax.
 */
public final class Exec {
  private Exec() {}

  /** What a finished process said. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }

    /** This result, or an exception naming the command and its error output. */
    public Result orThrow() {
      if (!ok()) throw new ExecException(this);
      return this;
    }
  }

  /** A command that failed. */
  public static final class ExecException extends RuntimeException {
    private final transient Result result;

    ExecException(Result r) {
      super(String.join(" ", r.command()) + " failed (exit " + r.exitCode() + "): " + r.stderr().strip());
      this.result = r;
    }

    public Result result() {
      return result;
    }
  }

  public static Result run(List<String> command) {
    return run(command, null, 60);
  }

  /** Runs {@code command}, feeding {@code stdin} (may be null), waiting at most {@code timeoutSeconds}. */
  public static Result run(List<String> command, String stdin, int timeoutSeconds) {
    try {
      Process p = new ProcessBuilder(command).start();
      var out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
      var err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
      try (var in = p.getOutputStream()) {
        if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(command, 124, out.getNow(""), "timed out after " + timeoutSeconds + " s");
      }
      return new Result(command, p.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      return new Result(command, 127, "", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(command, 130, "", "interrupted");
    }
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
