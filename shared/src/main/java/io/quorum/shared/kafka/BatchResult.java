package io.quorum.shared.kafka;

import java.util.ArrayList;
import java.util.List;

/**
 * What processing a batch produced: output records (in input order) and dead letters. Every input record ends in
 * exactly one of the two, so nothing is lost.
 */
public final class BatchResult {

    private final List<OutRecord> outputs;
    private final List<DeadLetter> deadLetters;

    public BatchResult(int expected) {
        this.outputs = new ArrayList<>(expected);
        this.deadLetters = new ArrayList<>();
    }

    public BatchResult output(OutRecord r) {
        outputs.add(r);
        return this;
    }

    public BatchResult deadLetter(DeadLetter d) {
        deadLetters.add(d);
        return this;
    }

    public List<OutRecord> outputs() {
        return outputs;
    }

    public List<DeadLetter> deadLetters() {
        return deadLetters;
    }

    public int size() {
        return outputs.size() + deadLetters.size();
    }
}
