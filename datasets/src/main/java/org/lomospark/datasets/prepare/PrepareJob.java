package org.lomospark.datasets.prepare;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;

/**
 * SuperGLUE JSONL to tokenized Parquet: {@code train/} (tokens, loss mask), {@code eval/} (val and test
 * candidates), {@code quarantine/} (file, line, reason of every bad line), the train rows again as Arrow
 * {@link TrainShard} files for the trainer under {@code shards/}, and {@code manifest.json}.
 *
 * <p>The output is written to a hidden sibling folder and renamed into place at the end, so it exists whole or
 * not at all. An output that already has a manifest is left alone unless {@link PrepareSpec#force()}.
 *
 * <pre>
 * Manifest m = PrepareJob.run(spark, new PrepareSpec(root, out, List.of(SuperGlueTask.RTE),
 *         List.of(Split.values()), TokenizerKind.BYTE, 0.05, false));
 * </pre>
 */
public final class PrepareJob {
    private static final int QUOTED_BAD_LINES = 5;

    private PrepareJob() {}

    public static Manifest run(SparkSession spark, PrepareSpec spec) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path out = new Path(spec.output());
        FileSystem fs = out.getFileSystem(conf);
        out = fs.makeQualified(out);
        if (fs.exists(out) && !spec.force()) {
            Path manifest = new Path(out, Manifest.FILE_NAME);
            if (fs.exists(manifest)) {
                return Manifest.read(fs, manifest);
            }
            throw new IOException(out + " exists but has no " + Manifest.FILE_NAME
                    + ": not a finished prepare output; remove it or set force");
        }
        List<Input> inputs = inputs(conf, spec);

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<Tagged> all = null;
        for (Input in : inputs) {
            JavaRDD<Tagged> file = jsc.binaryFiles(in.path())
                    .mapPartitions(new PrepareFile(in.task(), in.split(), in.path(), spec.tokenizer()));
            all = all == null ? file : all.union(file);
        }
        // three tables and the counts come from one parse; keep it rather than parse once per table
        all.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Manifest manifest = manifest(spec, inputs, rows(all, Table.COUNTS).collect());
            checkBadFraction(spec, manifest, all);
            return write(spark, fs, out, all, manifest, spec.shards());
        } finally {
            all.unpersist(false);
        }
    }

    private record Input(SuperGlueTask task, Split split, String path, long bytes) {}

    /** The input files in spec order, each checked to exist (a missing one throws here), with its size. */
    private static List<Input> inputs(Configuration conf, PrepareSpec spec) throws IOException {
        Path root = new Path(spec.input());
        FileSystem fs = root.getFileSystem(conf);
        List<Input> out = new ArrayList<>();
        for (SuperGlueTask task : spec.tasks()) {
            for (Split split : spec.splits()) {
                Path file = fs.makeQualified(new Path(new Path(root, task.dirName()), split.fileName()));
                out.add(new Input(task, split, file.toString(), fs.getFileStatus(file).getLen()));
            }
        }
        return out;
    }

    private static Manifest manifest(PrepareSpec spec, List<Input> inputs, List<Row> counts) {
        Map<String, Row> byPath = new HashMap<>();
        counts.forEach(c -> byPath.put(c.getString(0), c));
        List<Manifest.Source> sources = new ArrayList<>();
        long records = 0;
        long bad = 0;
        long trainRows = 0;
        long evalRows = 0;
        long tokens = 0;
        int maxLength = 0;
        for (Input in : inputs) {
            Row c = byPath.get(in.path());
            Manifest.Source f = new Manifest.Source(in.task().dirName(), in.split().name().toLowerCase(Locale.ROOT),
                    in.path(), in.bytes(), c.getLong(1), c.getLong(2), c.getLong(3), c.getLong(4), c.getInt(5));
            sources.add(f);
            records += f.records();
            bad += f.bad();
            if (in.split() == Split.TRAIN) {
                trainRows += f.rows();
            } else {
                evalRows += f.rows();
            }
            tokens += f.tokens();
            maxLength = Math.max(maxLength, f.maxLength());
        }
        var tokenizer = spec.tokenizer().create();
        return new Manifest(Manifest.SCHEMA_VERSION, tokenizer.fingerprint(), tokenizer.vocabSize(), records, bad,
                trainRows, evalRows, tokens, maxLength, sources, List.of());
    }

    private static void checkBadFraction(PrepareSpec spec, Manifest m, JavaRDD<Tagged> all) {
        long lines = m.records() + m.bad();
        double fraction = lines == 0 ? 0 : (double) m.bad() / lines;
        if (fraction > spec.maxBadFraction()) {
            List<String> first = rows(all, Table.QUARANTINE).take(QUOTED_BAD_LINES).stream()
                    .map(r -> r.getString(0) + ":" + r.getLong(1) + ": " + r.getString(2))
                    .toList();
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "bad fraction %.4f (%d quarantined of %d lines) is over the limit maxBadFraction %.4f;"
                            + " nothing written. First bad lines:%n  %s",
                    fraction, m.bad(), lines, spec.maxBadFraction(), String.join(System.lineSeparator() + "  ",
                            first)));
        }
    }

    /**
     * Everything into a hidden sibling, then one rename; on any failure the sibling is removed. Returns the
     * manifest with the shards it wrote.
     */
    private static Manifest write(SparkSession spark, FileSystem fs, Path out, JavaRDD<Tagged> all,
                                  Manifest counted, int shards) throws IOException {
        Path tmp = new Path(out.getParent(), "." + out.getName() + ".prepare-" + UUID.randomUUID());
        boolean committed = false;
        try {
            for (Table t : List.of(Table.TRAIN, Table.EVAL, Table.QUARANTINE)) {
                spark.createDataFrame(rows(all, t), t.schema).write().parquet(new Path(tmp, t.dir).toString());
            }
            // shards from the Parquet just written, so the two hold the same rows by construction
            List<Row> train = spark.read().parquet(new Path(tmp, Table.TRAIN.dir).toString())
                    .orderBy("task", "id").collectAsList();
            Manifest manifest = counted.withShards(
                    TrainShardWriter.write(fs, new Path(tmp, TrainShard.DIR), train, shards));
            manifest.write(fs, new Path(tmp, Manifest.FILE_NAME));
            if (fs.exists(out) && !fs.delete(out, true)) {
                throw new IOException("could not remove the old " + out);
            }
            if (!fs.rename(tmp, out)) {
                throw new IOException("could not rename " + tmp + " to " + out);
            }
            committed = true;
            // On S3 a rename is copy-then-delete; seen once against S3Proxy: the source still listed afterwards.
            if (fs.exists(tmp)) {
                fs.delete(tmp, true);
            }
            return manifest;
        } finally {
            if (!committed) {
                fs.delete(tmp, true);
            }
        }
    }

    private static JavaRDD<Row> rows(JavaRDD<Tagged> all, Table table) {
        return all.filter(t -> t.table() == table).map(Tagged::row);
    }
}
