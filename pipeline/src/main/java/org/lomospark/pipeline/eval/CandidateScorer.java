package org.lomospark.pipeline.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.lomospark.datasets.prompt.Candidate;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.model.LmHead;
import org.lomospark.trainer.tensor.Tensors;

import static org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Scores candidate answers the way the LOMO paper evaluates SuperGLUE: each candidate's mean log-likelihood of
 * its answer tokens given the prompt, the highest-scoring candidate of a question being the prediction.
 *
 * <pre>{@code
 * CandidateScorer scorer = new CandidateScorer(model, 16, tokenizer.pad());
 * EvalReport report = scorer.evaluate(candidates); // e.g. EvalCandidates.collect(evalTable, "val")
 * }</pre>
 *
 * <p>Candidates are batched by length (right-padded, no gradients); the model is only read.
 */
public final class CandidateScorer {
    private final LlamaModel model;
    private final int batchSize;
    private final int padId;

    /**
     * @param batchSize candidates per forward pass
     * @param padId written after a candidate's tokens; it only fills positions whose output is never read
     */
    public CandidateScorer(LlamaModel model, int batchSize, int padId) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.model = model;
        this.batchSize = batchSize;
        this.padId = padId;
    }

    /** Scores every candidate, then the metrics of every task with labeled questions. */
    public EvalReport evaluate(List<Candidate> candidates) {
        return EvalReport.of(predict(candidates));
    }

    /** One prediction per group ((task, group) pair), in the order the groups first appear. */
    public List<Prediction> predict(List<Candidate> candidates) {
        double[] scores = meanLogLikelihoods(candidates);
        Map<List<String>, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            groups.computeIfAbsent(List.of(c.task(), c.group()), k -> new ArrayList<>()).add(i);
        }
        List<Prediction> out = new ArrayList<>();
        for (List<Integer> rows : groups.values()) {
            out.add(predictGroup(candidates, rows, scores));
        }
        return out;
    }

    /**
     * The mean log-likelihood of each candidate's answer tokens ({@code tokens[answerStart..]}) given the tokens
     * before them, in the order given.
     */
    public double[] meanLogLikelihoods(List<Candidate> candidates) {
        double[] out = new double[candidates.size()];
        // similar lengths share a batch: less padding to compute over
        int[] order = IntStream.range(0, candidates.size()).boxed()
                .sorted(Comparator.comparingInt(i -> candidates.get(i).tokens().length))
                .mapToInt(Integer::intValue).toArray();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int from = 0; from < order.length; from += batchSize) {
                int[] batch = Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize));
                double[] lossSums = answerLossSums(candidates, batch);
                for (int b = 0; b < batch.length; b++) {
                    Candidate c = candidates.get(batch[b]);
                    out[batch[b]] = -lossSums[b] / (c.tokens().length - c.answerStart());
                }
            }
        }
        return out;
    }

    /** Summed cross-entropy of each candidate's answer tokens, for one batch. */
    private double[] answerLossSums(List<Candidate> candidates, int[] batch) {
        int rows = batch.length;
        int seq = 0;
        for (int i : batch) {
            seq = Math.max(seq, candidates.get(i).tokens().length - 1); // inputs: all tokens but the last
        }
        long[] ids = new long[rows * seq];
        long[] targets = new long[rows * seq];
        Arrays.fill(ids, padId);
        Arrays.fill(targets, LmHead.IGNORE_INDEX);
        for (int b = 0; b < rows; b++) {
            int[] tokens = candidates.get(batch[b]).tokens();
            for (int t = 0; t < tokens.length - 1; t++) {
                ids[b * seq + t] = tokens[t];
                targets[b * seq + t] = tokens[t + 1];
            }
        }
        try (PointerScope scope = new PointerScope()) {
            // No attention mask: the padding is on the right, and causal attention already keeps every real token
            // from seeing the pads after it (and lets SDPA use its fused causal kernels).
            Tensor hidden = model.hidden(Tensors.fromLongs(ids, rows, seq), null); // (B, T, C)
            Tensor target = Tensors.fromLongs(targets, rows, seq).to(model.placement().torchDevice(), ScalarType.Long);
            Tensor sums = Tensors.empty(model.placement().options(ScalarType.Float), rows);
            for (int b = 0; b < rows; b++) {
                // only the answer's positions go through the head: a long prompt's logits are never made
                Candidate c = candidates.get(batch[b]);
                int from = c.answerStart() - 1;
                int length = c.tokens().length - c.answerStart();
                try (Tensor loss = model.head().lossSum(hidden.narrow(0, b, 1).narrow(1, from, length),
                        target.narrow(0, b, 1).narrow(1, from, length))) {
                    sums.select(0, b).copy_(loss); // lossSum's result is ours to close, outside this scope
                }
            }
            float[] read = Tensors.toFloats(sums); // one device-to-host sync per batch
            double[] out = new double[rows];
            for (int b = 0; b < rows; b++) {
                out[b] = read[b];
            }
            return out;
        }
    }

    private static Prediction predictGroup(List<Candidate> candidates, List<Integer> rows, double[] scores) {
        Candidate first = candidates.get(rows.get(0));
        String where = first.task() + " group " + first.group();
        double[] byIndex = new double[rows.size()];
        String[] labels = new String[rows.size()];
        boolean[] seen = new boolean[rows.size()];
        for (int i : rows) {
            Candidate c = candidates.get(i);
            if (c.candidate() < 0 || c.candidate() >= rows.size() || seen[c.candidate()]) {
                throw new IllegalArgumentException(where + ": candidate indices must be 0.." + (rows.size() - 1)
                        + " once each, got " + rows.stream().map(r -> candidates.get(r).candidate()).toList());
            }
            if (c.gold() != first.gold()) {
                throw new IllegalArgumentException(where + ": rows disagree on gold (" + first.gold() + " and "
                        + c.gold() + ")");
            }
            if (!c.question().equals(first.question()) || !c.goldLabels().equals(first.goldLabels())) {
                throw new IllegalArgumentException(where + ": rows disagree on question or gold labels ("
                        + first.question() + " " + first.goldLabels() + " and " + c.question() + " "
                        + c.goldLabels() + ")");
            }
            seen[c.candidate()] = true;
            byIndex[c.candidate()] = scores[i];
            labels[c.candidate()] = c.label();
        }
        if (first.gold() < -1 || first.gold() >= rows.size()) {
            throw new IllegalArgumentException(where + ": gold " + first.gold() + " is not -1 or a candidate index");
        }
        int best = 0;
        for (int k = 1; k < byIndex.length; k++) {
            if (byIndex[k] > byIndex[best]) {
                best = k;
            }
        }
        return new Prediction(first.task(), first.group(), byIndex, best, first.gold(), first.question(),
                List.of(labels), first.goldLabels());
    }
}
