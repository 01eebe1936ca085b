package io.quorum.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the Java commands behind {@code ./quorum}. */
@Command(name = "quorum", mixinStandardHelpOptions = true, version = "quorum 0.1.0",
        description = "Quorum command-line tools (the ./quorum script calls these).",
        subcommands = {TopicsCommand.class, SendCommand.class, SendPhotosCommand.class, TailCommand.class, ModelsCommand.class,
                PromoteCommand.class, RollbackCommand.class, BenchCommand.class, TrainCommand.class, JobsCommand.class, EvalCommand.class,
                ChaosCommand.class, LagExporterCommand.class})
public final class QuorumCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        java.util.logging.LogManager.getLogManager().getLogger("").setLevel(java.util.logging.Level.WARNING);
        int rc = new CommandLine(new QuorumCli())
                .setExecutionExceptionHandler((e, cmd, parse) -> {
                    cmd.getErr().println("quorum: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                    if (System.getenv("QUORUM_DEBUG") != null) {
                        e.printStackTrace(cmd.getErr());
                    }
                    return 1;
                })
                .execute(args);
        System.exit(rc);
    }
}
