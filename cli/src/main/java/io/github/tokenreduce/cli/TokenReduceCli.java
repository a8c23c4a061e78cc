package io.github.tokenreduce.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * The {@code tokenreduce} command: {@code bench}, {@code eval}, {@code calibrate}, {@code embed} and
 * {@code export} on a model folder or file (CLIP, BLIP, ViT), a bundled sentence encoder, or the built-in
 * random-weight defaults. Bad arguments print the usage and exit with 2; a failure prints one line
 * naming what was wrong and exits with 1.
 */
@Command(name = "tokenreduce", mixinStandardHelpOptions = true, version = "tokenreduce 0.1.0-SNAPSHOT",
        description = "Token merging and pruning (ToMe, CrossGET, MADTP, PuMer) for transformers on the JVM.",
        subcommands = {BenchCommand.class, EvalCommand.class, CalibrateCommand.class, EmbedCommand.class,
            ExportCommand.class, CommandLine.HelpCommand.class})
public final class TokenReduceCli implements java.util.concurrent.Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** No command given: the usage, and exit code 2. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("tokenreduce: a command is required");
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** The command line, configured (for tests and embedding). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TokenReduceCli());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            err.println("tokenreduce " + cmd.getCommandName() + ": " + msg);
            if (Boolean.getBoolean("tokenreduce.debug")) {
                ex.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
