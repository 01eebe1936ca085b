package io.quorum.shared.events;

import java.util.List;
import java.util.Optional;

/** The inputs and outputs of a model, as announced in {@link ModelPublished} and as read from a loaded session. */
public record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) {

    public ModelSignature {
        inputs = List.copyOf(Checks.required(inputs, "inputs"));
        outputs = List.copyOf(Checks.required(outputs, "outputs"));
    }

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public Optional<TensorSpec> output(String name) {
        return outputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /**
     * Differences between this (announced) signature and {@code actual} (what the session reports), or
     * an empty list when they agree: same names in the same order, same types and ranks, agreeing static dims.
     */
    public List<String> mismatches(ModelSignature actual) {
        var problems = new java.util.ArrayList<String>();
        compare("input", inputs, actual.inputs, problems);
        compare("output", outputs, actual.outputs, problems);
        return problems;
    }

    private static void compare(String kind, List<TensorSpec> expected, List<TensorSpec> actual, List<String> problems) {
        if (expected.size() != actual.size()) {
            problems.add(kind + "s: announced " + expected + " but the model has " + actual);
            return;
        }
        for (int i = 0; i < expected.size(); i++) {
            if (!expected.get(i).compatibleWith(actual.get(i))) {
                problems.add(kind + " " + i + ": announced " + expected.get(i) + " but the model has " + actual.get(i));
            }
        }
    }

    @Override
    public String toString() {
        return inputs + " -> " + outputs;
    }
}
