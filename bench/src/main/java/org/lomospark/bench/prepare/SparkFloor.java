package org.lomospark.bench.prepare;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.util.LongAccumulator;
import org.lomospark.datasets.tokenize.ByteTokenizer;

/**
 * The least Spark can do with the byte tokenizer's input, in a JVM of its own: read the file as text (splittable,
 * one task per block), map each line to {@link ByteTokenizer}'s ids (its UTF-8 bytes, id = byte value) and write
 * them as one Parquet column. No parse, no template, no counts: what a byte-tokenizer prepare job costs at least
 * on the same cores, the yardstick of {@code job_vs_floor}.
 *
 * <pre>
 * java -Xmx2g ... org.lomospark.bench.prepare.SparkFloor &lt;the case's flags&gt; --result floor.json
 * </pre>
 *
 * <p>Checks that it did the whole work: the ids it wrote are the file's bytes less one newline per line.
 */
public final class SparkFloor {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SparkFloor() {}

    public static void main(String[] args) throws Exception {
        ScaleCase c = ScaleCase.parse(args);
        ObjectNode r = JSON.createObjectNode();
        SparkSession spark = null;
        try {
            spark = ScaleSpark.start(c, "ScaleBench-floor");
            SparkPhases phases = SparkPhases.attach(spark);
            LongAccumulator ids = spark.sparkContext().longAccumulator("ids");
            UserDefinedFunction tokenize = udf((UDF1<String, int[]>) line -> {
                int[] t = new ByteTokenizer().encode(line); // stateless: one per line costs nothing
                ids.add(t.length);
                return t;
            }, DataTypes.createArrayType(DataTypes.IntegerType, false));
            long started = System.nanoTime();
            spark.read().text(c.input().toString()).select(tokenize.apply(col("value")).as("tokens"))
                    .write().parquet(c.work().resolve("floor-output").toString());
            r.put("floor_wall_s", ScaleJob.ms((System.nanoTime() - started) / 1e9));
            r.put("floor_tasks", phases.drain().stages().stream().mapToInt(SparkPhases.Stage::tasks).max()
                    .orElse(0));
            long expected = Files.size(c.input()) - c.examples();
            if (ids.value() != expected) {
                throw new IllegalStateException("the floor wrote " + ids.value() + " ids, but the input has "
                        + expected + " bytes besides its newlines");
            }
            r.put("floor_tokens", ids.value()).put("outcome", "ok");
        } catch (Exception | Error e) {
            r.put("outcome", "failed: " + ScaleJob.firstLine(e));
            e.printStackTrace();
        } finally {
            if (spark != null) {
                spark.stop();
            }
        }
        ChildJvm.writeResult(c, r);
    }
}
