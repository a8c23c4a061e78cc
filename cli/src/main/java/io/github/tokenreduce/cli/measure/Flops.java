package io.github.tokenreduce.cli.measure;

/**
 * Multiply-add FLOPs (2 per multiply-add) of transformer layers whose token count changes at a
 * reduction site after attention: a layer entering with N tokens and leaving with N' pays
 * {@code 8NC² + 4N²C} for the q/k/v/out projections and attention, and {@code 4N'·C·I} for its
 * feed-forward ({@code I}: its width). The reducers' own work is not counted, so a method's
 * FLOPs-ideal speed-up is an upper bound on what it can reach.
 */
public final class Flops {

    private Flops() {}

    /**
     * FLOPs of a stack given the tokens entering the first layer and the tokens after each layer.
     *
     * @param batch samples
     * @param tokensIn tokens entering layer 0
     * @param tokensAfter tokens leaving each layer (after its reduction)
     */
    public static double stack(long batch, int tokensIn, int[] tokensAfter, int width, int mlp) {
        double total = 0;
        double c = width;
        int n = tokensIn;
        for (int after : tokensAfter) {
            total += 8.0 * n * c * c + 4.0 * n * n * c + 4.0 * after * c * mlp;
            n = after;
        }
        return total * batch;
    }
}
