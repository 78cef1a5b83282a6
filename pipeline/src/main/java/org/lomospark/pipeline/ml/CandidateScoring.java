package org.lomospark.pipeline.ml;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.lomospark.datasets.prepare.TokenizerSpec;
import org.lomospark.datasets.prompt.Candidate;
import org.lomospark.datasets.prompt.TextPairs;
import org.lomospark.pipeline.eval.CandidateScorer;
import org.lomospark.pipeline.eval.LocalModel;
import org.lomospark.pipeline.train.TaskDevice;
import org.lomospark.pipeline.store.HadoopSettings;

/**
 * {@link LomoModel#transform} in one Spark task: every row of the partition with its candidates' scores and the
 * index of the best one appended. The model is loaded once per task ({@link LocalModel}) and all the
 * partition's candidates are scored together, batched by length ({@link CandidateScorer}); a partition without
 * rows loads nothing.
 */
final class CandidateScoring implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;
    private static final String TASK = "transform";

    private final String location;
    private final HadoopSettings hadoop;
    private final Broadcast<TokenizerSpec.Loaded> tokenizer;
    private final int promptIndex;
    private final int candidatesIndex;
    private final int batchSize;
    private final String device;
    private final String dtype;

    /** @param device {@code cpu} or {@code cuda} (the task's GPU, {@link TaskDevice}); {@code dtype} the weights' */
    CandidateScoring(String location, HadoopSettings hadoop, Broadcast<TokenizerSpec.Loaded> tokenizer,
                     int promptIndex, int candidatesIndex, int batchSize, String device, String dtype) {
        this.location = location;
        this.hadoop = hadoop;
        this.tokenizer = tokenizer;
        this.promptIndex = promptIndex;
        this.candidatesIndex = candidatesIndex;
        this.batchSize = batchSize;
        this.device = device;
        this.dtype = dtype;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) throws Exception {
        List<Row> rows = new ArrayList<>();
        input.forEachRemaining(rows::add);
        if (rows.isEmpty()) {
            return rows.iterator();
        }
        var t = tokenizer.value().tokenizer();
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
        double[] scores = all.isEmpty() ? new double[0] : LocalModel.use(location, hadoop,
                TaskDevice.of(TaskContext.get(), device, dtype),
                lm -> new CandidateScorer(lm, batchSize, t.pad()).meanLogLikelihoods(all));
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
