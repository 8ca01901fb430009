package dev.copyless.cli;

import dev.copyless.input.BoundedInput;
import dev.copyless.host.HostOutOfMemoryException;
import dev.copyless.input.UserError;
import dev.copyless.scenario.ScenarioException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code copyless} command: entry point and error policy. A user's mistake (a bad flag,
 * a bad scenario, a scenario the host cannot hold) is one line on stderr, always with the
 * prefix {@code copyless: error: }, and exit code 2, never a stack trace (a bad flag adds
 * picocli's "Try ... --help" line); a bug is reported as an internal error with exit code 1.
 * {@code copyless} with no command prints the usage on stderr and exits 2; {@code -V} and
 * {@code --version}, on every command, print the project's version.
 */
@Command(name = "copyless", mixinStandardHelpOptions = true, versionProvider = CopylessCommand.Version.class,
        description = {"Copyless NUMA balancing hypervisor memory migration (US 12,393,439 B2): simulate a host"
                + " that swaps or demotes guest pages behind the guest's back, and measure what the guest's NUMA"
                + " balancing costs with and without the copyless mechanism."},
        subcommands = {RunCommand.class, CompareCommand.class, SweepCommand.class, ScenarioCommand.class, TraceCommand.class,
                StressCommand.class, ReliabilityCommand.class, LinuxDemoCommand.class, LinuxBenchCommand.class, VmCommand.class,
                CalibrateCommand.class, FidelityCommand.class,
                CommandLine.HelpCommand.class})
public final class CopylessCommand implements Callable<Integer> {
    public static final int EXIT_USAGE = 2;
    /** The one prefix of every user error. */
    public static final String ERROR = "copyless: error: ";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** No command given: the usage, on stderr, and exit code 2. */
    @Override
    public Integer call() {
        return usageError(spec);
    }

    /** A command that needs a subcommand was given none: its usage on stderr, exit code 2. */
    static int usageError(CommandLine.Model.CommandSpec spec) {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    /** A message in one line: line breaks and runs of blanks become one space. */
    static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", "; ").replaceAll("[ \\t]+", " ");
    }

    /** picocli's own wording without its own "Error: " prefix, starting lower case like every other message. */
    static String picocliMessage(String message) {
        String m = oneLine(message);
        if (m.startsWith("Error: ")) {
            m = m.substring("Error: ".length());
        }
        if (m.length() > 1 && Character.isUpperCase(m.charAt(0)) && Character.isLowerCase(m.charAt(1))) {
            m = Character.toLowerCase(m.charAt(0)) + m.substring(1);
        }
        return m;
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
        everyCommand(cl, c -> c.getCommandSpec().versionProvider(new Version()));
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println(ERROR + picocliMessage(ex.getMessage()));
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            if (ex instanceof UserError || ex instanceof HostOutOfMemoryException) {
                err.println(ERROR + oneLine(ex.getMessage()));
                return EXIT_USAGE;
            }
            err.println("copyless: internal error (please report): " + ex);
            ex.printStackTrace(err);
            return 1;
        });
        int code;
        try {
            code = cl.execute(args);
        } catch (OutOfMemoryError e) { // an estimate should have refused the input first; never a stack trace
            err.println(ERROR + "the JVM ran out of memory (" + BoundedInput.bytes(
                    Runtime.getRuntime().maxMemory()) + " of heap); make the scenario smaller, or give the JVM more"
                    + " with JAVA_TOOL_OPTIONS=-Xmx<size>");
            code = EXIT_USAGE;
        }
        out.flush();
        err.flush();
        return code;
    }

    private static void everyCommand(CommandLine cl, java.util.function.Consumer<CommandLine> action) {
        action.accept(cl);
        for (CommandLine sub : cl.getSubcommands().values()) {
            everyCommand(sub, action);
        }
    }

    /** The project version, from the build (a resource Maven fills in), and the Java that runs it. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"copyless " + projectVersion() + " (Java " + Runtime.version() + ")"};
        }

        static String projectVersion() {
            try (java.io.InputStream in = CopylessCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    java.util.Properties p = new java.util.Properties();
                    p.load(in);
                    String v = p.getProperty("version", "");
                    if (!v.isEmpty() && !v.startsWith("$")) {
                        return v;
                    }
                }
            } catch (java.io.IOException e) {
                // fall through
            }
            String v = CopylessCommand.class.getPackage().getImplementationVersion();
            return v == null ? "unknown" : v;
        }
    }
}
