package io.quorum.cli;

import picocli.CommandLine.Command;

/** Benchmarks that print JSON from one run. */
@Command(name = "bench", description = "Benchmarks (JSON output, ratios measured side by side in one run).",
        subcommands = {BenchPairs.class, BenchEmbedding.class, BenchScale.class, BenchAttacks.class, BenchEnsemble.class,
                BenchImages.class})
final class BenchCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }
}
