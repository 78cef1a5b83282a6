package org.lomospark.trainer.generate;

import java.util.Set;

/**
 * What one {@link Generator#generate} call does: how many tokens at most, how each is chosen, where to stop, and the
 * token that pads the batch.
 *
 * <pre>{@code
 * GenerationSettings s = new GenerationSettings(64, Sampling.topP(0.7, 0.9, 1), Set.of(2), 0);
 * }</pre>
 *
 * @param maxNewTokens >= 1: a prompt's continuation stops after this many tokens
 * @param sampling greedy or top-p
 * @param eosIds a continuation stops after the first of these it produces (which it ends with); may be empty
 * @param padId >= 0, the token placed left of shorter prompts and fed to finished rows; a vocabulary id, as the
 *     model embeds it (padding is masked out of attention, so which id it is changes no output)
 */
public record GenerationSettings(int maxNewTokens, Sampling sampling, Set<Integer> eosIds, int padId) {

    public GenerationSettings {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        }
        if (sampling == null) {
            throw new IllegalArgumentException("sampling must be given (Sampling.greedy() or Sampling.topP(...))");
        }
        if (eosIds == null) {
            throw new IllegalArgumentException("eosIds must be given (Set.of() for none)");
        }
        for (Integer id : eosIds) {
            if (id == null || id < 0) {
                throw new IllegalArgumentException("eosIds must hold token ids >= 0, got " + id);
            }
        }
        eosIds = Set.copyOf(eosIds);
        if (padId < 0) {
            throw new IllegalArgumentException("padId must be >= 0, got " + padId);
        }
    }
}
