package dev.copyless.cli;

import dev.copyless.host.HostOutOfMemoryException;
import dev.copyless.input.UserError;
import dev.copyless.scenario.ScenarioException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code copyless} command: entry point and error policy. A user's mistake (a bad flag,
 * a bad scenario, a scenario the host cannot hold) is one line on stderr and exit code 2,
 * never a stack trace; a bug is reported as an internal error with exit code 1.
 */
@Command(name = "copyless", mixinStandardHelpOptions = true, versionProvider = CopylessCommand.Version.class,
        description = {"Copyless NUMA balancing hypervisor memory migration (US 12,393,439 B2):",
                "simulate a host that swaps or demotes guest pages behind the guest's back, and measure",
                "what the guest's NUMA balancing costs with and without the copyless mechanism."},
        subcommands = {RunCommand.class, CompareCommand.class, SweepCommand.class, ScenarioCommand.class, TraceCommand.class,
                StressCommand.class, ReliabilityCommand.class, LinuxDemoCommand.class, LinuxBenchCommand.class, VmCommand.class,
                CommandLine.HelpCommand.class})
public final class CopylessCommand implements Runnable {
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams and returns the exit code (used by tests). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new CopylessCommand());
        cl.getSubcommands().get("vm").setStopAtPositional(true); // copyless vm -- COMMAND: COMMAND's flags are its own
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("copyless: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            if (ex instanceof UserError || ex instanceof HostOutOfMemoryException) {
                err.println("copyless: error: " + ex.getMessage());
                return EXIT_USAGE;
            }
            err.println("copyless: internal error (please report): " + ex);
            ex.printStackTrace(err);
            return 1;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = CopylessCommand.class.getPackage().getImplementationVersion();
            return new String[] {"copyless " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
