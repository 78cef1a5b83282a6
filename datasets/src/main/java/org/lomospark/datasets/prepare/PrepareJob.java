package org.lomospark.datasets.prepare;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.tokenize.Tokenizer;

/**
 * SuperGLUE JSONL and instruction data to tokenized Parquet: {@code train/} (tokens, loss mask, segments),
 * {@code eval/} (val and test candidates), {@code quarantine/} (file, line, reason of every bad line), the train
 * rows again as Arrow {@link TrainShard} files for the trainer under {@code shards/}, and {@code manifest.json}.
 *
 * <p>Each input file is read whole by one task, so its sampling, truncation and packing see the whole file. The
 * tokenizer's files are read once on the driver and broadcast; each executor builds one tokenizer from them.
 *
 * <p>The output is committed whole: renamed into place from a hidden sibling where a directory rename is atomic,
 * or, on an object store, written in place with {@code manifest.json} last. An output that already has a manifest
 * is left alone unless {@link PrepareSpec#force()}; one without (an interrupted run) is refused unless forced.
 *
 * <pre>
 * Manifest m = PrepareJob.run(spark, PrepareSpec.builder("out/prepared")
 *         .superGlue("data/superglue", List.of(SuperGlueTask.RTE), List.of(Split.values())).build());
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
        List<InputFile> inputs = inputs(conf, spec);
        TokenizerSpec.Loaded loaded = spec.tokenizer().load(conf);

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<TokenizerSpec.Loaded> tokenizer = jsc.broadcast(loaded);
        JavaRDD<Tagged> all = null;
        for (InputFile in : inputs) {
            JavaRDD<Tagged> file = jsc.binaryFiles(in.path()).mapPartitions(new PrepareFile(in, spec, tokenizer));
            all = all == null ? file : all.union(file);
        }
        // three tables and the counts come from one parse; keep it rather than parse once per table
        all.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Manifest manifest = manifest(spec, loaded.tokenizer(), inputs, rows(all, Table.COUNTS).collect());
            checkBadFraction(spec, manifest, all);
            return write(spark, fs, out, all, manifest, spec.shards());
        } finally {
            all.unpersist(false);
            tokenizer.destroy();
        }
    }

    /** The input files in spec order, each checked to exist (a missing one throws here), with its size. */
    private static List<InputFile> inputs(Configuration conf, PrepareSpec spec) throws IOException {
        List<InputFile> out = new ArrayList<>();
        if (!spec.tasks().isEmpty()) {
            Path root = new Path(spec.input());
            FileSystem fs = root.getFileSystem(conf);
            for (SuperGlueTask task : spec.tasks()) {
                for (Split split : spec.splits()) {
                    Path file = fs.makeQualified(new Path(new Path(root, task.dirName()), split.fileName()));
                    out.add(new InputFile(task.dirName(), split, file.toString(), length(fs, file), task, null));
                }
            }
        }
        for (InstructInput i : spec.instruct()) {
            Path file = new Path(i.path());
            FileSystem fs = file.getFileSystem(conf);
            file = fs.makeQualified(file);
            out.add(new InputFile(i.name(), Split.TRAIN, file.toString(), length(fs, file), null, i.format()));
        }
        return out;
    }

    private static long length(FileSystem fs, Path file) throws IOException {
        try {
            return fs.getFileStatus(file).getLen();
        } catch (FileNotFoundException e) {
            throw new FileNotFoundException("input " + file + " does not exist");
        }
    }

    private static Manifest manifest(PrepareSpec spec, Tokenizer tokenizer, List<InputFile> inputs,
                                     List<Row> counts) {
        Map<String, Row> byPath = new HashMap<>();
        counts.forEach(c -> byPath.put(c.getString(0), c));
        List<Manifest.Source> sources = new ArrayList<>();
        long[] sum = new long[5];
        long trainRows = 0;
        long evalRows = 0;
        long tokens = 0;
        int longest = 0;
        for (InputFile in : inputs) {
            Row c = byPath.get(in.path());
            Manifest.Source f = new Manifest.Source(in.name(), in.splitName(), in.path(), in.bytes(), c.getLong(1),
                    c.getLong(2), c.getLong(3), c.getLong(4), c.getLong(5), c.getLong(6), c.getLong(7),
                    c.getInt(8));
            sources.add(f);
            sum[0] += f.lines();
            sum[1] += f.records();
            sum[2] += f.bad();
            sum[3] += f.skipped();
            sum[4] += f.truncated();
            if (in.split() == Split.TRAIN) {
                trainRows += f.rows();
            } else {
                evalRows += f.rows();
            }
            tokens += f.tokens();
            longest = Math.max(longest, f.longestRow());
        }
        return new Manifest(Manifest.SCHEMA_VERSION, spec.tokenizer().toString(), tokenizer.fingerprint(),
                tokenizer.vocabSize(), spec.maxLength(), spec.packLength(), spec.evalBucket(), spec.sampling(),
                sum[0], sum[1], sum[2], sum[3], sum[4], trainRows, evalRows, tokens, longest, sources, new TreeMap<>(),
                List.of());
    }

    private static void checkBadFraction(PrepareSpec spec, Manifest m, JavaRDD<Tagged> all) {
        long lines = m.lines();
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

    /** Object stores, where a directory rename is a copy of every object followed by deletes. */
    private static final Set<String> NO_ATOMIC_RENAME = Set.of("s3a", "s3", "s3n", "gs", "oss", "cos", "wasb",
            "wasbs", "abfs", "abfss");

    /**
     * Writes the output and commits it; returns the manifest with the shards it wrote. Where renaming a directory
     * is atomic (local files, HDFS) everything goes into a hidden sibling that one rename puts in place. On an
     * object store the files go straight to the output and {@code manifest.json}, written last, is the commit, as
     * for checkpoints: a run that dies leaves an output without a manifest, which readers refuse and a rerun
     * replaces only when forced. On any failure what was written is removed.
     */
    private static Manifest write(SparkSession spark, FileSystem fs, Path out, JavaRDD<Tagged> all,
                                  Manifest counted, int shards) throws IOException {
        boolean rename = !NO_ATOMIC_RENAME.contains(fs.getScheme());
        Path target = rename ? new Path(out.getParent(), "." + out.getName() + ".prepare-" + UUID.randomUUID())
                : out;
        if (!rename && fs.exists(out) && !fs.delete(out, true)) {
            throw new IOException("could not remove the old " + out);
        }
        boolean committed = false;
        try {
            for (Table t : List.of(Table.TRAIN, Table.EVAL, Table.QUARANTINE)) {
                Dataset<Row> rows = spark.createDataFrame(rows(all, t), t.schema);
                if (t == Table.EVAL) {
                    // an evaluator reading a part in order meets each bucket's rows together
                    rows = rows.sortWithinPartitions("padded_length", "task", "split", "group", "candidate");
                }
                rows.write().parquet(new Path(target, t.dir).toString());
            }
            SortedMap<Integer, Long> buckets = new TreeMap<>();
            spark.read().parquet(new Path(target, Table.EVAL.dir).toString()).groupBy("padded_length").count()
                    .collectAsList().forEach(r -> buckets.put(r.getInt(0), r.getLong(1)));
            // shards from the Parquet just written, so the two hold the same rows by construction
            List<Row> train = spark.read().parquet(new Path(target, Table.TRAIN.dir).toString())
                    .orderBy("task", "id").collectAsList();
            Manifest manifest = counted.withOutputs(buckets,
                    TrainShardWriter.write(fs, new Path(target, TrainShard.DIR), train, shards));
            manifest.write(fs, new Path(target, Manifest.FILE_NAME));
            if (rename) {
                if (fs.exists(out) && !fs.delete(out, true)) {
                    throw new IOException("could not remove the old " + out);
                }
                if (!fs.rename(target, out)) {
                    throw new IOException("could not rename " + target + " to " + out);
                }
            }
            committed = true;
            return manifest;
        } finally {
            if (!committed) {
                fs.delete(target, true);
            }
        }
    }

    private static JavaRDD<Row> rows(JavaRDD<Tagged> all, Table table) {
        return all.filter(t -> t.table() == table).map(Tagged::row);
    }
}
