package org.lomospark.datasets.prepare;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
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
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.spark.SerializableWritable;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.apache.spark.rdd.ShuffledRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.lomospark.datasets.superglue.Split;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * SuperGLUE JSONL and instruction data to tokenized Parquet: {@code train/} (tokens, loss mask, segments),
 * {@code eval/} (val and test candidates), {@code quarantine/} (file, line, reason of every bad line), the train
 * rows again as Arrow {@link TrainShard} files for the trainer under {@code shards/}, and {@code manifest.json}.
 *
 * <p>A Spark job in the proper sense: the driver checks the inputs and plans byte-range splits ({@link Inputs});
 * tasks read their split line by line and parse, sample ({@link Draw}), render and tokenize each record as it comes
 * ({@link Render}, one tokenizer per executor JVM); one shuffle sends every row to its place ({@link Layout}):
 * its trainer shard, eval part, the quarantine or the counts, sorted within the partition. Each trainer shard
 * partition then writes its own Arrow file on the executor, and the same partitions are written as the train
 * Parquet, each table once. The driver only gathers counts: its memory does not grow with the data.
 *
 * <p>The output is committed whole: renamed into place from a hidden sibling where a directory rename is atomic,
 * or, on an object store, written in place with {@code manifest.json} last. An output that already has a manifest
 * is left alone unless {@link PrepareSpec#force()}; one without (an interrupted run) is refused unless forced.
 *
 * <pre>
 * Manifest m = PrepareStage.run(spark, PrepareSpec.builder("out/prepared")
 *         .superGlue("data/superglue", List.of(SuperGlueTask.RTE), List.of(Split.values())).build());
 * </pre>
 */
public final class PrepareStage {
    private static final int QUOTED_BAD_LINES = 5;
    /**
     * Tokens per trainer shard, at most by estimate: each shard is built in its task's memory (5 bytes a token:
     * the id and its mask byte, twice that while a buffer grows), so more data means more shards, never bigger ones.
     */
    static final long TOKENS_PER_SHARD = 24_000_000;
    /**
     * Tokens per input byte, for that estimate: the byte tokenizer makes one per byte; a BPE tokenizer far fewer
     * (LLaMA-2's made 0.25 per byte of Alpaca-style JSONL with the chat template, English text; other scripts more).
     */
    private static final double BYTE_TOKENS_PER_BYTE = 1.0;
    private static final double BPE_TOKENS_PER_BYTE = 0.35;
    /** The eval table (Parquet: every candidate of every eval question) of the prepared output at {@code prepared}. */
    public static String evalTable(String prepared) {
        return prepared + "/" + Table.EVAL.dir;
    }

    /** A compressed file is counted as this many times its size. */
    private static final int COMPRESSION_RATIO = 4;

    private PrepareStage() {}

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
        List<InputFile> inputs = Inputs.resolve(conf, spec);
        CompressionCodecName codec = TrainParquet.codec(
                spark.conf().get(TrainParquet.CODEC_SETTING, "snappy"), conf);
        TokenizerSpec.Loaded loaded = spec.tokenizer().load(conf);

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<TokenizerSpec.Loaded> tokenizer = jsc.broadcast(loaded);
        Broadcast<SerializableWritable<Configuration>> hadoop = jsc.broadcast(new SerializableWritable<>(conf));
        try {
            List<LineSplit> splits = Inputs.splits(jsc, hadoop, inputs, spec.splitBytes());
            JavaRDD<RawLine> lines = Inputs.lines(spark, hadoop, inputs, splits, spec.maxLineBytes());
            Draw draw = Draw.of(lines, inputs, spec);
            ShardPlan plan = ShardPlan.of(spec, inputs);
            Layout layout = new Layout(plan.shards(), spec.shards(), inputs);
            // the one shuffle: every later job reads its partitions back instead of parsing again
            JavaPairRDD<Layout.Key, Out> placed = place(lines.mapPartitionsToPair(
                    new Render(inputs, spec, tokenizer, draw, layout)), layout);

            Map<Integer, Out.Counts> counts = new TreeMap<>();
            for (Out o : part(placed, layout.counts(), layout.counts() + 1).collect()) {
                Out.Counts c = (Out.Counts) o;
                counts.computeIfAbsent(c.source, Out.Counts::new).add(c);
            }
            checkBadFraction(spec, counts, placed, layout);
            return write(spark, fs, out, placed, layout, hadoop,
                    new Counted(spec, loaded, inputs, splits, counts, codec, plan));
        } finally {
            tokenizer.destroy();
            hadoop.destroy();
        }
    }

    /**
     * Every row to its partition, with the shuffle's own compact serializer in place of the session's. Not sorted
     * there by Spark, which would hold a whole trainer shard on the heap as objects: a train partition's task keeps
     * its examples off the heap and sorts them itself ({@link TrainPart}); the other partitions, small, are sorted
     * as they are read ({@link #part}).
     */
    private static JavaPairRDD<Layout.Key, Out> place(JavaPairRDD<Layout.Key, Out> rows, Layout layout) {
        ClassTag<Layout.Key> key = ClassTag$.MODULE$.apply(Layout.Key.class);
        ClassTag<Out> value = ClassTag$.MODULE$.apply(Out.class);
        ShuffledRDD<Layout.Key, Out, Out> shuffled = new ShuffledRDD<>(rows.rdd(), layout, key, value, value);
        shuffled.setSerializer(new PlacedSerializer());
        return JavaPairRDD.fromRDD(shuffled, key, value);
    }

    /**
     * How many trainer shards, and about how many tokens each will hold (by the input's size): at least {@link
     * PrepareSpec#shards()}, a multiple of it, and enough that no shard outgrows a task. A shard's task sizes its
     * Arrow buffers by that estimate, so they are allocated (and zeroed) once rather than doubled as they fill.
     */
    record ShardPlan(int shards, long tokensPerShard) {
        static ShardPlan of(PrepareSpec spec, List<InputFile> inputs) {
            long bytes = 0;
            for (InputFile in : inputs) {
                if (in.split() == Split.TRAIN) {
                    bytes += in.compression() == Compression.NONE ? in.bytes() : in.bytes() * COMPRESSION_RATIO;
                }
            }
            double perByte = spec.tokenizer().equals(TokenizerSpec.BYTE) ? BYTE_TOKENS_PER_BYTE
                    : BPE_TOKENS_PER_BYTE;
            long tokens = (long) Math.ceil(bytes * perByte);
            long shards = (tokens + TOKENS_PER_SHARD - 1) / TOKENS_PER_SHARD;
            long multiples = Math.max(1, (shards + spec.shards() - 1) / spec.shards());
            int count = Math.toIntExact(spec.shards() * multiples);
            return new ShardPlan(count, tokens / count);
        }
    }

    private static void checkBadFraction(PrepareSpec spec, Map<Integer, Out.Counts> counts,
                                         JavaPairRDD<Layout.Key, Out> placed, Layout layout) {
        long lines = counts.values().stream().mapToLong(c -> c.lines).sum();
        long bad = counts.values().stream().mapToLong(c -> c.bad).sum();
        double fraction = lines == 0 ? 0 : (double) bad / lines;
        if (fraction > spec.maxBadFraction()) {
            List<String> first = part(placed, layout.quarantine(), layout.quarantine() + 1)
                    .take(QUOTED_BAD_LINES).stream()
                    .map(o -> (Out.Bad) o)
                    .map(b -> b.file() + ":" + b.line() + ": " + b.reason())
                    .toList();
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "bad fraction %.4f (%d quarantined of %d lines) is over the limit maxBadFraction %.4f;"
                            + " nothing written. First bad lines:%n  %s",
                    fraction, bad, lines, spec.maxBadFraction(), String.join(System.lineSeparator() + "  ",
                            first)));
        }
    }

    /** Object stores, where a directory rename is a copy of every object followed by deletes. */
    private static final Set<String> NO_ATOMIC_RENAME = Set.of("s3a", "s3", "s3n", "gs", "oss", "cos", "wasb",
            "wasbs", "abfs", "abfss");

    /**
     * Writes the output and commits it; returns the manifest. Where renaming a directory is atomic (local files,
     * HDFS) everything goes into a hidden sibling that one rename puts in place. On an object store the files go
     * straight to the output and {@code manifest.json}, written last, is the commit, as for checkpoints: a run that
     * dies leaves an output without a manifest, which readers refuse and a rerun replaces only when forced. On any
     * failure what was written is removed.
     */
    private static Manifest write(SparkSession spark, FileSystem fs, Path out, JavaPairRDD<Layout.Key, Out> placed,
                                  Layout layout, Broadcast<SerializableWritable<Configuration>> hadoop,
                                  Counted counted) throws IOException {
        boolean rename = !NO_ATOMIC_RENAME.contains(fs.getScheme());
        Path target = rename ? new Path(out.getParent(), "." + out.getName() + ".prepare-" + UUID.randomUUID())
                : out;
        if (!rename && fs.exists(out) && !fs.delete(out, true)) {
            throw new IOException("could not remove the old " + out);
        }
        boolean committed = false;
        // Parquet's two-level list layout ("repeated int32 array"), which Spark, Arrow and pandas all read as
        // array<int>, writes an element as one value; the standard three-level one opens a group per element and
        // took most of the write's time. The train table is written so by TrainParquet, the eval table by Spark in
        // a session of its own: the caller's settings stay as they are.
        SparkSession writer = spark.newSession();
        writer.conf().set("spark.sql.parquet.writeLegacyFormat", "true");
        try {
            // shard s is train partition s: its task writes the shard and the Parquet part from one copy of its rows
            // and reports what the shard holds; that report is all the driver receives of the train data
            List<ShardStats> shards = shards(partitions(placed, 0, layout.trainShards)
                    .mapPartitionsWithIndex(new TrainPart(counted.inputs(), counted.spec().packLength(), target,
                            counted.codec(), counted.plan().tokensPerShard(), hadoop), false)
                    .collect(), layout.trainShards);
            Path evalDir = new Path(target, Table.EVAL.dir);
            if (counted.counts().values().stream().anyMatch(c -> c.evalRows > 0)) {
                JavaRDD<Row> evalRows = part(placed, layout.trainShards, layout.quarantine())
                        .map(o -> ((Out.Eval) o).row());
                writer.createDataFrame(evalRows, Table.EVAL.schema).write().parquet(evalDir.toString());
            } else {
                Table.EVAL.writeEmpty(evalDir, fs.getConf());
            }
            Path badDir = new Path(target, Table.QUARANTINE.dir);
            if (counted.counts().values().stream().anyMatch(c -> c.bad > 0)) {
                JavaRDD<Row> badRows = part(placed, layout.quarantine(), layout.quarantine() + 1)
                        .map(o -> {
                            Out.Bad b = (Out.Bad) o;
                            return RowFactory.create(b.file(), b.line(), b.reason());
                        });
                writer.createDataFrame(badRows, Table.QUARANTINE.schema).write().parquet(badDir.toString());
            } else {
                Table.QUARANTINE.writeEmpty(badDir, fs.getConf());
            }

            Manifest manifest = counted.manifest(shards);
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

    /** Every shard's report, in shard order: one per train partition, however often its task ran. */
    private static List<ShardStats> shards(List<ShardStats> reported, int count) {
        ShardStats[] byShard = new ShardStats[count];
        for (ShardStats st : reported) {
            if (byShard[st.index()] != null) {
                throw new IllegalStateException("trainer shard " + st.index() + " was reported twice");
            }
            byShard[st.index()] = st;
        }
        for (int s = 0; s < count; s++) {
            if (byShard[s] == null) {
                throw new IllegalStateException("trainer shard " + s + " of " + count + " was not written");
            }
        }
        return List.of(byShard);
    }

    /** What the manifest is made of, before the shards exist. */
    private record Counted(PrepareSpec spec, TokenizerSpec.Loaded tokenizer, List<InputFile> inputs,
                           List<LineSplit> splits, Map<Integer, Out.Counts> counts, CompressionCodecName codec,
                           ShardPlan plan) {
        Manifest manifest(List<ShardStats> shards) {
            List<Manifest.Source> sources = new ArrayList<>();
            long[] sum = new long[5];
            long trainRows = 0;
            long evalRows = 0;
            long tokens = 0;
            int longest = 0;
            SortedMap<Integer, Long> buckets = new TreeMap<>();
            for (int s = 0; s < inputs.size(); s++) {
                InputFile in = inputs.get(s);
                Out.Counts c = counts.getOrDefault(s, new Out.Counts(s));
                long rows = c.evalRows;
                long t = c.evalTokens;
                int max = c.evalLongest;
                for (ShardStats st : shards) {
                    rows += st.rows()[s];
                    t += st.tokens()[s];
                    max = Math.max(max, st.longest()[s]);
                }
                int source = s;
                long tasks = in.container() == InputFile.Container.PARQUET ? -1
                        : splits.stream().filter(x -> x.source() == source).count();
                Manifest.Source f = new Manifest.Source(in.name(), in.splitName(), in.path(), in.bytes(),
                        in.container().name().toLowerCase(Locale.ROOT), in.compression().toString(),
                        in.splittable(), tasks, c.lines, c.records, c.bad, c.skipped, c.truncated, rows, t, max);
                sources.add(f);
                sum[0] += f.lines();
                sum[1] += f.records();
                sum[2] += f.bad();
                sum[3] += f.skipped();
                sum[4] += f.truncated();
                if (in.split() == Split.TRAIN) {
                    trainRows += rows;
                } else {
                    evalRows += rows;
                }
                tokens += t;
                longest = Math.max(longest, max);
                c.buckets.forEach((k, v) -> buckets.merge(k, v, Long::sum));
            }
            return new Manifest(Manifest.SCHEMA_VERSION, spec.tokenizer().toString(),
                    tokenizer.tokenizer().fingerprint(), tokenizer.tokenizer().vocabSize(), spec.maxLength(),
                    spec.packLength(), spec.evalBucket(), spec.sampling(), sum[0], sum[1], sum[2], sum[3], sum[4],
                    trainRows, evalRows, tokens, longest, sources, buckets,
                    shards.stream().map(ShardStats::shard).toList());
        }
    }

    /**
     * The rows of partitions {@code [from, to)} of {@code rdd}, each partition sorted by key as it is read, on the
     * heap (the eval, quarantine and count partitions, not the trainer shards): the other partitions are never
     * computed (nor their shuffle read).
     */
    private static JavaRDD<Out> part(JavaPairRDD<Layout.Key, Out> rdd, int from, int to) {
        return partitions(rdd, from, to).mapPartitions(PrepareStage::sorted, true);
    }

    private static Iterator<Out> sorted(Iterator<Tuple2<Layout.Key, Out>> rows) {
        List<Tuple2<Layout.Key, Out>> all = new ArrayList<>();
        rows.forEachRemaining(all::add);
        all.sort((a, b) -> Layout.ORDER.compare(a._1(), b._1()));
        return all.stream().map(Tuple2::_2).iterator();
    }

    /** Partitions {@code [from, to)} of {@code rdd}, as the shuffle delivers them. */
    private static JavaRDD<Tuple2<Layout.Key, Out>> partitions(JavaPairRDD<Layout.Key, Out> rdd, int from, int to) {
        return JavaRDD.fromRDD(PartitionPruningRDD.create(rdd.rdd(), new Range(from, to)),
                ClassTag$.MODULE$.apply(Tuple2.class));
    }

    /** Whether a partition index is in {@code [from, to)}; a class, as Spark serializes it with the RDD. */
    private static final class Range extends AbstractFunction1<Object, Object> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int from;
        private final int to;

        Range(int from, int to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public Object apply(Object partition) {
            int p = (Integer) partition;
            return p >= from && p < to;
        }
    }
}
