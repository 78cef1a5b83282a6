package org.lomospark.pipeline.eval;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.lomospark.datasets.prompt.Candidate;

/**
 * The candidate rows of a prepared output's {@code eval/} table, collected to the driver for scoring.
 *
 * <pre>{@code
 * List<Candidate> val = EvalCandidates.collect(spark.read().parquet(prepared + "/eval"), "val");
 * }</pre>
 */
public final class EvalCandidates {
    private EvalCandidates() {}

    /** The rows of one split ("val" or "test"), ordered by task, group and candidate. */
    public static List<Candidate> collect(Dataset<Row> eval, String split) {
        return columns(eval.where(eval.col("split").equalTo(split)).orderBy("task", "group", "candidate"))
                .collectAsList().stream()
                .map(EvalCandidates::candidate)
                .toList();
    }

    /** The columns {@link #candidate(Row)} reads, in its order. */
    static Dataset<Row> columns(Dataset<Row> eval) {
        return eval.select("task", "group", "candidate", "gold", "tokens", "answer_start", "question", "label",
                "gold_labels");
    }

    /** One row of {@link #columns}. */
    static Candidate candidate(Row r) {
        List<Integer> tokens = r.getList(4);
        return new Candidate(r.getString(0), r.getString(1), r.getInt(2), r.getInt(3),
                tokens.stream().mapToInt(Integer::intValue).toArray(), r.getInt(5), r.getString(6), r.getString(7),
                r.getList(8));
    }
}
