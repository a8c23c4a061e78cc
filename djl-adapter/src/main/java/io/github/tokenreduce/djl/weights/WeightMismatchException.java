package io.github.tokenreduce.djl.weights;

import java.util.List;

/** Weights that do not fit the model: every missing, misshaped and unexpected tensor, one per line. */
public final class WeightMismatchException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient List<String> problems;

    public WeightMismatchException(String source, List<String> problems) {
        super("weights " + source + " do not fit the model (" + problems.size() + " problem"
                + (problems.size() == 1 ? "" : "s") + "):\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per problem. */
    public List<String> problems() {
        return problems;
    }
}
