package netfence.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code -o text|json}: text for people, JSON of a stable, documented shape for scripts. */
final class OutputOption {
  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text", description = "text (default) or json")
  String format;

  @Spec(Spec.Target.MIXEE) CommandSpec spec;

  /** Whether JSON is asked for; bad usage (exit 2) for anything but text and json. */
  boolean json() {
    return switch (format) {
      case "text" -> false;
      case "json" -> true;
      default -> throw new ParameterException(spec.commandLine(), "-o/--output (" + format + ") must be text or json");
    };
  }
}
