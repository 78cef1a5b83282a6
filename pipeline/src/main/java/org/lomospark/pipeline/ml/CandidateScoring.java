package org.lomospark.pipeline.ml;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.lomospark.datasets.prompt.Candidate;
import org.lomospark.datasets.prompt.TextPairs;
import org.lomospark.pipeline.eval.CandidateScorer;

/**
 * {@link LomoModel#transform} in one Spark task: every row of the partition with its candidates' scores and the
 * index of the best one appended. The model is loaded once per task ({@link TaskModel}) and all the
 * partition's candidates are scored together, batched by length ({@link CandidateScorer}); a partition without
 * rows loads nothing.
 */
final class CandidateScoring implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;
    private static final String TASK = "transform";

    private final TaskModel model;
    private final int promptIndex;
    private final int candidatesIndex;
    private final int batchSize;

    CandidateScoring(TaskModel model, int promptIndex, int candidatesIndex, int batchSize) {
        this.model = model;
        this.promptIndex = promptIndex;
        this.candidatesIndex = candidatesIndex;
        this.batchSize = batchSize;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) throws Exception {
        List<Row> rows = new ArrayList<>();
        input.forEachRemaining(rows::add);
        if (rows.isEmpty()) {
            return rows.iterator();
        }
        var t = model.tokenizer();
        TextPairs pairs = new TextPairs(t);
        List<Candidate> all = new ArrayList<>();
        int[] first = new int[rows.size() + 1]; // row i's candidates are all[first[i] .. first[i + 1])
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if (r.isNullAt(promptIndex) || r.isNullAt(candidatesIndex)) {
                throw new IllegalArgumentException("a row with a null " + (r.isNullAt(promptIndex) ? "prompt"
                        : "candidates array") + ": " + r);
            }
            List<String> candidates = r.getList(candidatesIndex);
            try {
                all.addAll(pairs.candidates(TASK, Integer.toString(i), r.getString(promptIndex), candidates));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the row with prompt \"" + r.getString(promptIndex) + "\": "
                        + e.getMessage(), e);
            }
            first[i + 1] = all.size();
        }
        double[] scores = all.isEmpty() ? new double[0]
                : model.use(lm -> new CandidateScorer(lm, batchSize, t.pad()).meanLogLikelihoods(all));
        List<Row> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            double[] mine = java.util.Arrays.copyOfRange(scores, first[i], first[i + 1]);
            Integer best = null;
            for (int k = 0; k < mine.length; k++) {
                if (best == null || mine[k] > mine[best]) {
                    best = k;
                }
            }
            // Spark's row converter takes a primitive array as an array<double>
            out.add(LomoParams.appended(r, mine, best));
        }
        return out.iterator();
    }
}
