package org.lomospark.datasets.prepare;

import java.io.IOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
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

    /**
     * The Parquet schema Spark writes for this table with {@code spark.sql.parquet.writeLegacyFormat}: every column
     * required, a list {@code repeated <type> array} inside a LIST group (one value per element).
     */
    MessageType parquet() {
        Types.MessageTypeBuilder message = Types.buildMessage();
        for (StructField f : schema.fields()) {
            if (f.nullable()) {
                throw new IllegalStateException(dir + "." + f.name() + " is nullable; every column is required");
            }
            if (f.dataType() instanceof ArrayType a) {
                if (a.containsNull()) {
                    throw new IllegalStateException(dir + "." + f.name() + " may hold nulls; no list does");
                }
                message.requiredGroup().as(LogicalTypeAnnotation.listType())
                        .addField(primitive(a.elementType(), Type.Repetition.REPEATED, "array"))
                        .named(f.name());
            } else {
                message.addField(primitive(f.dataType(), Type.Repetition.REQUIRED, f.name()));
            }
        }
        return message.named("spark_schema");
    }

    private Type primitive(DataType type, Type.Repetition repetition, String name) {
        if (type.equals(DataTypes.StringType)) {
            return Types.primitive(PrimitiveTypeName.BINARY, repetition).as(LogicalTypeAnnotation.stringType())
                    .named(name);
        }
        PrimitiveTypeName p;
        if (type.equals(DataTypes.IntegerType)) {
            p = PrimitiveTypeName.INT32;
        } else if (type.equals(DataTypes.LongType)) {
            p = PrimitiveTypeName.INT64;
        } else if (type.equals(DataTypes.BooleanType)) {
            p = PrimitiveTypeName.BOOLEAN;
        } else {
            throw new IllegalStateException(dir + "." + name + ": no Parquet form for " + type);
        }
        return Types.primitive(p, repetition).named(name);
    }

    /** The footer key under which Spark keeps a file's Spark schema, read back in preference to Parquet's. */
    static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";

    /** Writes a file's row groups between the file's start and its footer. */
    @FunctionalInterface
    interface RowGroups {
        void write(ParquetFileWriter out) throws IOException;
    }

    /**
     * One Parquet file of this table, replaced if there (as a retried task must): the schema, {@code rowGroups},
     * then the footer with Spark's schema of the table, so {@code spark.read().parquet(...)} reads exactly it.
     */
    void write(OutputFile file, long rowGroupBytes, RowGroups rowGroups) throws IOException {
        try (ParquetFileWriter out = new ParquetFileWriter(file, parquet(), ParquetFileWriter.Mode.OVERWRITE,
                rowGroupBytes, 0, null, ParquetProperties.builder().build())) {
            out.start();
            rowGroups.write(out);
            out.end(Map.of(SPARK_SCHEMA_KEY, schema.json()));
        }
    }

    /**
     * Writes the table with no rows, as one Parquet file with the schema and no row group, the file Spark writes for
     * an empty DataFrame: a job with nothing to quarantine, or no eval data, starts no Spark SQL for it.
     */
    void writeEmpty(Path tableDir, Configuration conf) throws IOException {
        write(HadoopOutputFile.fromPath(new Path(tableDir, "part-00000.parquet"), conf), TrainParquet.ROW_GROUP_BYTES,
                out -> { });
    }

    private static DataType ints() {
        return DataTypes.createArrayType(DataTypes.IntegerType, false);
    }
}
