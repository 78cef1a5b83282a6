package org.lomospark.pipeline.eval;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.lomospark.datasets.prompt.Candidate;

/**
 * The candidate rows of a prepared output's {@code eval/} table, collected to the driver for scoring.
 *
 * <pre>{@code
 * List<Candidate> val = EvalCandidates.collect(spark.read().parquet(PrepareStage.evalTable(prepared)), "val");
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

    /**
     * The rows of one split's gold answers (each question's right candidate), {@link #candidate(Row)}'s columns,
     * ordered: what a validation loss is measured on. Empty on an unlabeled split.
     */
    public static List<Row> goldRows(Dataset<Row> eval, String split) {
        return columns(eval.where(eval.col("split").equalTo(split).and(eval.col("candidate").equalTo(
                eval.col("gold")))).orderBy("task", "group", "candidate")).collectAsList();
    }

    /** The columns {@link #candidate(Row)} reads, in its order. */
    static Dataset<Row> columns(Dataset<Row> eval) {
        return eval.select("task", "group", "candidate", "gold", "tokens", "answer_start", "question", "label",
                "gold_labels");
    }

    /**
     * The candidates of {@code rows} ({@link #columns}) that data-parallel replica {@code mesh.dpRank()} scores:
     * whole questions, split over the replicas by a hash of task and group, the same on every tensor-parallel rank.
     */
    public static List<Candidate> ofReplica(List<Row> rows, org.lomospark.trainer.dist.Mesh mesh) {
        List<Candidate> mine = new java.util.ArrayList<>();
        for (Row r : rows) {
            Candidate c = candidate(r);
            if (Math.floorMod((c.task() + "/" + c.group()).hashCode(), mesh.dp()) == mesh.dpRank()) {
                mine.add(c);
            }
        }
        return mine;
    }

    /** One row of {@link #columns}. */
    public static Candidate candidate(Row r) {
        List<Integer> tokens = r.getList(4);
        return new Candidate(r.getString(0), r.getString(1), r.getInt(2), r.getInt(3),
                tokens.stream().mapToInt(Integer::intValue).toArray(), r.getInt(5), r.getString(6), r.getString(7),
                r.getList(8));
    }
}
