package netfence.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code netfence} command. */
@Command(
    name = "netfence",
    mixinStandardHelpOptions = true,
    version = "netfence 0.1.0",
    description = "Secures the networks of virtual machines on Linux hosts from one declarative inventory.",
    subcommands = {CheckCommand.class, CompileCommand.class, ApplyCommand.class, VerifyCommand.class, LabCommand.class, StatusCommand.class,
        ServeCommand.class, VmCommand.class, EventsCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  /** Exit code when the input or the check failed. */
  static final int FAILED = 1;

  /** Exit code for bad usage (unknown option, missing argument). */
  static final int USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI with the given streams; returns the exit code. Used by tests too. */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    var cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      err.println("netfence: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return FAILED;
    });
    return cli.execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (check, compile, apply, verify, lab, serve, vm)");
  }
}
