package org.lomospark.datasets.prepare;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The tables a prepare job writes, each a Parquet folder of the output. */
enum Table {
    /**
     * One gold-answer sequence per training question, loss on the answer tokens; for instruction data one
     * example, or with packing several whole examples, whose starts {@code segments} lists ({@code [0]} for one).
     */
    TRAIN("train", new StructType()
            .add("task", DataTypes.StringType, false)
            .add("id", DataTypes.StringType, false)
            .add("tokens", ints(), false)
            .add("loss_mask", DataTypes.createArrayType(DataTypes.BooleanType, false), false)
            .add("length", DataTypes.IntegerType, false)
            .add("segments", ints(), false)),
    /**
     * One row per candidate answer of every val and test question; gold is -1 on test. {@code padded_length} is
     * the length rounded up to the job's eval bucket: batch rows of one bucket, pad to it. {@code question},
     * {@code label} and {@code gold_labels} (schema 4) are what MultiRC's and ReCoRD's metrics compare, see
     * {@link org.lomospark.datasets.prompt.Candidate}; {@code gold_labels} is empty on test.
     */
    EVAL("eval", new StructType()
            .add("task", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("group", DataTypes.StringType, false)
            .add("candidate", DataTypes.IntegerType, false)
            .add("gold", DataTypes.IntegerType, false)
            .add("tokens", ints(), false)
            .add("answer_start", DataTypes.IntegerType, false)
            .add("length", DataTypes.IntegerType, false)
            .add("padded_length", DataTypes.IntegerType, false)
            .add("question", DataTypes.StringType, false)
            .add("label", DataTypes.StringType, false)
            .add("gold_labels", DataTypes.createArrayType(DataTypes.StringType, false), false)),
    /** Every line that gave no rows, and why. */
    QUARANTINE("quarantine", new StructType()
            .add("file", DataTypes.StringType, false)
            .add("line", DataTypes.LongType, false)
            .add("reason", DataTypes.StringType, false));

    final String dir;
    final StructType schema;

    Table(String dir, StructType schema) {
        this.dir = dir;
        this.schema = schema;
    }

    private static DataType ints() {
        return DataTypes.createArrayType(DataTypes.IntegerType, false);
    }
}
