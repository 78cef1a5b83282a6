package org.lomospark.pipeline.train;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Row;
import org.lomospark.datasets.prompt.Candidate;
import org.lomospark.pipeline.eval.CandidateScorer;
import org.lomospark.pipeline.eval.EvalCandidates;
import org.lomospark.trainer.dist.Group;
import org.lomospark.trainer.dist.Mesh;
import org.lomospark.trainer.engine.Validation;
import org.lomospark.trainer.model.LlamaModel;

/**
 * The validation loss of a training stage: the mean token loss of every gold answer of the prepared eval split,
 * given its prompt, under the current weights. Each data-parallel replica scores its share of the questions (the
 * tensor-parallel ranks of a replica score the same ones together); the loss sums and token counts are summed over
 * the replicas, so every rank returns the same number.
 */
final class HeldOutLoss implements Validation {
    /**
     * Where the held-out answers are and how often to score them.
     *
     * @param table a prepared output's {@code eval} table; {@code split} its labeled split ({@code val})
     * @param every steps between measurements (and at the last step)
     * @param batch candidates per forward pass
     */
    record Spec(String table, String split, int every, int batch) implements Serializable {
        private static final long serialVersionUID = 1L;

        Spec {
            if (every < 1 || batch < 1) {
                throw new IllegalArgumentException("eval-every " + every + " and the eval batch " + batch
                        + " must be at least 1");
            }
        }
    }

    private final int every;
    private final List<Candidate> mine;
    private final int batch;
    private final int padId;
    private final Group dataParallel;

    /** @param rows every gold answer, {@link EvalCandidates#columns} rows; this rank keeps its replica's share */
    HeldOutLoss(Spec spec, List<Row> rows, Mesh mesh, Group dataParallel, int padId) {
        this.every = spec.every();
        this.batch = spec.batch();
        this.padId = padId;
        this.dataParallel = dataParallel;
        this.mine = EvalCandidates.ofReplica(rows, mesh);
    }

    @Override
    public int every() {
        return every;
    }

    @Override
    public double loss(LlamaModel model) {
        double lossSum = 0;
        long tokens = 0;
        if (!mine.isEmpty()) {
            double[] meanLl = new CandidateScorer(model, batch, padId).meanLogLikelihoods(mine);
            for (int i = 0; i < meanLl.length; i++) {
                int n = mine.get(i).tokens().length - mine.get(i).answerStart();
                lossSum -= meanLl[i] * n;
                tokens += n;
            }
        }
        // every replica's share: a collective, so every rank calls it at the same step
        return dataParallel.sum(lossSum) / dataParallel.sum(tokens);
    }
}
