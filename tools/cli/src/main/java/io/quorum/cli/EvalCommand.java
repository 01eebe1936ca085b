package io.quorum.cli;

import picocli.CommandLine.Command;

/**
 * Evaluations that print JSON: {@code eval pairs} (the pair scorer), {@code eval digits} (digit classifiers under
 * attack), {@code eval ensemble} (digit ensembles: the seed's table), {@code eval images} (image scorers: PLCC/SRCC/MAE/RMSE).
 */
@Command(name = "eval", description = "Evaluate a served model (JSON output).",
        subcommands = {EvalPairs.class, EvalDigits.class, EvalEnsemble.class, EvalImages.class})
final class EvalCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }
}
