package org.lomospark.pipeline.ml;

import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Function1;

/**
 * The Params that {@link LomoFineTuner} and {@link LomoModel} share (the Java stand-in for MLlib's shared
 * param traits: a Java class cannot inherit fields from two places), and the schema checks both run. Each
 * factory makes the param for one owner; the owner keeps it in a final field with a public accessor.
 */
final class LomoParams {
    static final String BYTE_TOKENIZER = "byte";

    private LomoParams() {}

    static Param<String> promptCol(Identifiable owner) {
        return new Param<>(owner, "promptCol", "the prompt column (string): the text the model continues",
                nonEmpty());
    }

    static Param<String> candidatesCol(Identifiable owner) {
        return new Param<>(owner, "candidatesCol", "the candidate answers column (array<string>) the model "
                + "scores; each is appended to the prompt as is, so put the separating space in front (\" yes\")",
                nonEmpty());
    }

    static Param<String> scoresCol(Identifiable owner) {
        return new Param<>(owner, "scoresCol", "output column (array<double>): the mean log-likelihood of each "
                + "candidate's tokens given the prompt, in candidate order", nonEmpty());
    }

    static Param<String> predictionCol(Identifiable owner) {
        return new Param<>(owner, "predictionCol", "output column (int): the index of the best-scoring candidate, "
                + "null for a row without candidates", nonEmpty());
    }

    static Param<String> tokenizer(Identifiable owner) {
        return new Param<>(owner, "tokenizer", "\"byte\" (UTF-8 bytes + bos/eos/pad, the vocabulary of 259 the "
                + "tiny model uses) or a Hugging Face tokenizer directory on any Hadoop filesystem (tokenizer.json, "
                + "optionally tokenizer_config.json); a fitted model keeps a copy of its files", nonEmpty());
    }

    /** A serializable validator: stages travel with Spark closures and their params with them. */
    static Function1<String, Object> nonEmpty() {
        return (Function1<String, Object> & Serializable) s -> s != null && !s.isBlank();
    }

    /** Fails naming the column and the param that names it when the column is missing or of another type. */
    static void requireColumn(StructType schema, String column, DataType type, String param) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("column '" + column + "' (" + param + ") is not in the data; it has "
                    + String.join(", ", schema.fieldNames()));
        }
        DataType actual = schema.apply(column).dataType();
        boolean ok = type instanceof ArrayType want && actual instanceof ArrayType got
                ? want.elementType().equals(got.elementType()) // either containsNull
                : actual.equals(type);
        if (!ok) {
            throw new IllegalArgumentException("column '" + column + "' (" + param + ") is " + actual.simpleString()
                    + ", it must be " + type.simpleString());
        }
    }

    /** The candidates' output columns added to {@code schema}; either already there is an error. */
    static StructType withScores(StructType schema, String scoresCol, String predictionCol) {
        for (String c : new String[] {scoresCol, predictionCol}) {
            if (Arrays.asList(schema.fieldNames()).contains(c)) {
                throw new IllegalArgumentException("output column '" + c + "' is already in the data");
            }
        }
        return schema.add(new StructField(scoresCol, DataTypes.createArrayType(DataTypes.DoubleType, false), false,
                        org.apache.spark.sql.types.Metadata.empty()))
                .add(new StructField(predictionCol, DataTypes.IntegerType, true,
                        org.apache.spark.sql.types.Metadata.empty()));
    }

    /** {@code r}'s values followed by {@code added}: a row with the output columns appended. */
    static org.apache.spark.sql.Row appended(org.apache.spark.sql.Row r, Object... added) {
        Object[] values = new Object[r.size() + added.length];
        for (int j = 0; j < r.size(); j++) {
            values[j] = r.get(j);
        }
        System.arraycopy(added, 0, values, r.size(), added.length);
        return org.apache.spark.sql.RowFactory.create(values);
    }

    static ArrayType stringArray() {
        return DataTypes.createArrayType(DataTypes.StringType);
    }
}
