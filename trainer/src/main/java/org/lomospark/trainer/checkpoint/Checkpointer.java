package org.lomospark.trainer.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.optim.FusedOptimizer;

/**
 * Saves and restores a run's {@link TrainingState} with the weights and optimizer state: a local run directory
 * ({@link #directory}) or one checkpoint shared by every rank of a distributed run ({@link ShardedCheckpoints}).
 */
public interface Checkpointer {
    /** Restores the newest complete checkpoint into {@code model} and {@code optimizer}; empty when none. */
    Optional<TrainingState> restoreLatest(LlamaModel model, FusedOptimizer optimizer) throws IOException;

    /** Writes a checkpoint of {@code state} and returns where it went, for the log. */
    String save(TrainingState state, LlamaModel model, FusedOptimizer optimizer) throws IOException;

    /**
     * {@code step-NNNNNNNN/} directories under {@code runDir}, see {@link TrainingState#save}; a restore first removes
     * what saves killed midway left there.
     */
    static Checkpointer directory(Path runDir) {
        return new Checkpointer() {
            @Override
            public Optional<TrainingState> restoreLatest(LlamaModel model, FusedOptimizer optimizer)
                    throws IOException {
                TrainingState.removeInterrupted(runDir); // a start: no save of this run is under way
                Optional<Path> latest = TrainingState.latest(runDir);
                return latest.isEmpty() ? Optional.empty()
                        : Optional.of(TrainingState.restore(latest.get(), model, optimizer));
            }

            @Override
            public String save(TrainingState state, LlamaModel model, FusedOptimizer optimizer) throws IOException {
                return state.save(runDir, model, optimizer).toString();
            }
        };
    }
}
