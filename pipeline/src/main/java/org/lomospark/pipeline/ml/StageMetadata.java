package org.lomospark.pipeline.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.SparkSession;
import scala.collection.immutable.Seq;

/**
 * A stage's params saved as MLlib saves them: one JSON line in {@code <path>/metadata/part-00000} with
 * {@code class}, {@code timestamp}, {@code sparkVersion}, {@code uid}, {@code paramMap} (the values set) and
 * {@code defaultParamMap}, written through the Hadoop FileSystem. The layout is the one Spark's own readers
 * expect, so a {@link org.apache.spark.ml.PipelineModel} holding our stages saves and loads too: Spark reads the
 * class name there and calls its static {@code read()}.
 */
record StageMetadata(String className, String uid, ObjectNode paramMap, ObjectNode defaultParamMap) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FILE = "metadata/part-00000";

    /** What a stage saves beside its params (a model's files under {@code path/data}); nothing for an estimator. */
    @FunctionalInterface
    interface Data {
        void save(String path, SparkSession spark) throws IOException;
    }

    /** Builds a stage from its saved metadata and path, before the params are applied. */
    @FunctionalInterface
    interface Factory<T extends Params> {
        T create(StageMetadata saved, String path, SparkSession spark) throws IOException;
    }

    /** The {@code write()} of a stage: its params, then its {@code data}. */
    static MLWriter writer(Params stage, Data data) {
        return new MLWriter() {
            @Override
            public void saveImpl(String path) {
                try {
                    StageMetadata.save(stage, path, sparkSession());
                    data.save(path, sparkSession());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    /** The {@code read()} of a stage of class {@code type}: {@code factory} builds it, then its params are set. */
    static <T extends Params> MLReader<T> reader(Class<T> type, Factory<T> factory) {
        return new MLReader<T>() {
            @Override
            public T load(String path) {
                try {
                    StageMetadata saved = StageMetadata.load(path, sparkSession(), type);
                    T stage = factory.create(saved, path, sparkSession());
                    saved.applyTo(stage);
                    return stage;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    static void save(Params stage, String path, SparkSession spark) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("class", stage.getClass().getName());
        root.put("timestamp", System.currentTimeMillis());
        root.put("sparkVersion", spark.version());
        root.put("uid", stage.uid());
        root.set("paramMap", values(stage.paramMap().toSeq()));
        root.set("defaultParamMap", values(stage.defaultParamMap().toSeq()));
        Path file = new Path(path, FILE);
        FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
        try (OutputStream out = fs.create(file, true)) {
            out.write((JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Reads {@code path}'s metadata; throws naming the path when it is missing or of another class. */
    static StageMetadata load(String path, SparkSession spark, Class<?> expected) throws IOException {
        Path dir = new Path(path, "metadata");
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        FileSystem fs = dir.getFileSystem(conf);
        FileStatus[] parts = fs.exists(dir) ? fs.globStatus(new Path(dir, "part-*")) : null;
        if (parts == null || parts.length == 0) {
            throw new IOException(path + ": no metadata/part-* (not a saved stage)");
        }
        JsonNode root;
        try (InputStream in = fs.open(parts[0].getPath())) {
            root = JSON.readTree(in);
        }
        String className = root.path("class").asText();
        if (!className.equals(expected.getName())) {
            throw new IOException(path + " holds a " + className + ", not a " + expected.getName());
        }
        return new StageMetadata(className, root.path("uid").asText(), (ObjectNode) root.path("paramMap"),
                (ObjectNode) root.path("defaultParamMap"));
    }

    /**
     * Sets the saved defaults and values on {@code stage}, a fresh instance of {@link #className} with
     * {@link #uid}. Defaults come back as saved, as MLlib does, so a model keeps the defaults of the version
     * that wrote it. {@code set} and {@code setDefault} are Scala-protected (public to Java): only our readers
     * call this.
     */
    void applyTo(Params stage) {
        for (Map.Entry<String, JsonNode> e : defaultParamMap.properties()) {
            Param<Object> p = param(stage, e.getKey());
            stage.setDefault(p, p.jsonDecode(e.getValue().toString()));
        }
        for (Map.Entry<String, JsonNode> e : paramMap.properties()) {
            Param<Object> p = param(stage, e.getKey());
            stage.set(p, p.jsonDecode(e.getValue().toString()));
        }
    }

    private Param<Object> param(Params stage, String name) {
        if (!stage.hasParam(name)) {
            throw new IllegalArgumentException(className + " " + uid + ": saved param '" + name
                    + "' is not a param of this version");
        }
        return stage.getParam(name);
    }

    private static ObjectNode values(Seq<ParamPair<?>> pairs) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        for (ParamPair<?> pair : scala.jdk.javaapi.CollectionConverters.asJava(pairs)) {
            out.set(pair.param().name(), JSON.readTree(encode(pair)));
        }
        return out;
    }

    private static <T> String encode(ParamPair<T> pair) {
        return pair.param().jsonEncode(pair.value());
    }
}
