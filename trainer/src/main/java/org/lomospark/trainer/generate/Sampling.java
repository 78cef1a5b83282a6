package org.lomospark.trainer.generate;

/**
 * How each next token is chosen from the model's logits: the most probable one, or a draw from the nucleus.
 *
 * <pre>{@code
 * Sampling greedy = Sampling.greedy();
 * Sampling nucleus = Sampling.topP(0.8, 0.95, 42); // temperature, top-p, seed
 * }</pre>
 */
public sealed interface Sampling permits Sampling.Greedy, Sampling.TopP {

    /** The most probable token (the lowest id among equal logits). */
    static Sampling greedy() {
        return new Greedy();
    }

    /** Top-p sampling; see {@link TopP}. */
    static Sampling topP(double temperature, double topP, long seed) {
        return new TopP(temperature, topP, seed);
    }

    /** The most probable token. */
    record Greedy() implements Sampling {}

    /**
     * Softmax of logits / temperature, then the smallest set of most probable tokens whose probability reaches
     * {@code topP}, renormalized, and one draw from it. The same seed gives the same tokens for the same prompts.
     *
     * @param temperature > 0: below 1 sharpens the distribution, above 1 flattens it
     * @param topP in (0, 1]: 1 samples from the whole vocabulary
     * @param seed prompt i of a call draws from its own stream, derived from the seed and i
     */
    record TopP(double temperature, double topP, long seed) implements Sampling {
        public TopP {
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature must be finite and > 0, got " + temperature);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
            }
        }
    }
}
