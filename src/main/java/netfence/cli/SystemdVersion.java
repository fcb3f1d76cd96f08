package netfence.cli;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** The version of the installed systemd, read from {@code systemctl --version} ("systemd 252 (252.38-1~deb12u1)"). */
final class SystemdVersion {
  private SystemdVersion() {}

  static Optional<Integer> installed() {
    try {
      var p = new ProcessBuilder("systemctl", "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
      return parse(out);
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  static Optional<Integer> parse(String versionOutput) {
    var m = Pattern.compile("^systemd (\\d+)", Pattern.MULTILINE).matcher(versionOutput);
    return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
  }
}
