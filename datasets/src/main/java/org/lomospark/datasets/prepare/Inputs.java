package org.lomospark.datasets.prepare;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SerializableWritable;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;

/**
 * The input side of a prepare job: on the driver, every input resolved and checked before a task starts (it
 * exists, it is a file, its compression and layout), then the lines of all of them as one RDD of
 * {@link RawLine}s, read lazily in the tasks.
 *
 * <p>An uncompressed JSONL file is cut into splits of {@link PrepareSpec#splitBytes()}, one task each; a first,
 * cheap pass (a newline count per split, no decoding) numbers the lines so every line keeps its exact number
 * however the file is cut. A compressed file, a JSON array file and a small file are one task. Parquet files go
 * through Spark's own reader, each row rendered as a JSON object and numbered by its row index in the file.
 */
final class Inputs {
    /** How far into a file the layout is sniffed: a BOM and leading whitespace before {@code [} or not. */
    private static final int SNIFF_BYTES = 4096;

    private Inputs() {}

    /** The job's input files in spec order; throws naming the file for one that is missing or not a file. */
    static List<InputFile> resolve(Configuration conf, PrepareSpec spec) throws IOException {
        List<InputFile> out = new ArrayList<>();
        if (!spec.tasks().isEmpty()) {
            Path root = new Path(spec.input());
            FileSystem fs = root.getFileSystem(conf);
            for (SuperGlueTask task : spec.tasks()) {
                for (Split split : spec.splits()) {
                    Path file = fs.makeQualified(new Path(new Path(root, task.dirName()), split.fileName()));
                    FileStatus st = status(fs, file, task.dirName() + " " + split.name().toLowerCase());
                    out.add(new InputFile(task.dirName(), split, file.toString(), st.getLen(), task, null,
                            InputFile.Container.JSONL, Compression.NONE));
                }
            }
        }
        for (InstructInput i : spec.instruct()) {
            Path file = new Path(i.path());
            FileSystem fs = file.getFileSystem(conf);
            file = fs.makeQualified(file);
            FileStatus st = status(fs, file, "instruction data " + i.name());
            Compression c = Compression.of(file.getName());
            InputFile.Container container = c.strip(file.getName()).endsWith(".parquet")
                    ? InputFile.Container.PARQUET : sniff(fs, file, c);
            if (container == InputFile.Container.PARQUET && c != Compression.NONE) {
                throw new IllegalArgumentException("instruction data " + i.name() + ": " + file
                        + " is a compressed Parquet file; Parquet compresses inside the file, give it uncompressed");
            }
            out.add(new InputFile(i.name(), Split.TRAIN, file.toString(), st.getLen(), null, i.format(), container,
                    c));
        }
        return out;
    }

    private static FileStatus status(FileSystem fs, Path file, String what) throws IOException {
        FileStatus st;
        try {
            st = fs.getFileStatus(file);
        } catch (FileNotFoundException e) {
            throw new FileNotFoundException(what + ": input " + file + " does not exist");
        }
        if (st.isDirectory()) {
            throw new IllegalArgumentException(what + ": input " + file + " is a directory; give one file (JSONL,"
                    + " a JSON array, optionally .gz/.bz2/.zst, or .parquet)");
        }
        return st;
    }

    /** A JSON array when the first byte after a BOM and whitespace is {@code [}; else JSONL (an empty file too). */
    private static InputFile.Container sniff(FileSystem fs, Path file, Compression c) throws IOException {
        try (InputStream in = c.open(fs.open(file))) {
            byte[] head = in.readNBytes(SNIFF_BYTES);
            int i = LineReader.bomLength(head, head.length);
            while (i < head.length && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) {
                i++;
            }
            return i < head.length && head[i] == '[' ? InputFile.Container.JSON_ARRAY : InputFile.Container.JSONL;
        } catch (IOException e) {
            throw new IOException(file + ": cannot read as " + c + ": " + e.getMessage(), e);
        }
    }

    /**
     * The byte ranges one task each reads, numbered; runs the line-count pass for files cut in several. A file is
     * cut into a multiple of Spark's default parallelism, pieces of at most {@code splitBytes}, so no last task runs
     * alone while the other cores idle; the output does not depend on the cut, only the time does.
     */
    static List<LineSplit> splits(JavaSparkContext jsc, Broadcast<SerializableWritable<Configuration>> conf,
                                  List<InputFile> sources, long splitBytes) {
        int cores = Math.max(1, jsc.defaultParallelism());
        List<LineSplit> all = new ArrayList<>();
        List<LineSplit> toCount = new ArrayList<>();
        for (int s = 0; s < sources.size(); s++) {
            InputFile in = sources.get(s);
            if (in.container() == InputFile.Container.PARQUET) {
                continue;
            }
            long length = in.bytes();
            if (!in.splittable() || length <= splitBytes) {
                all.add(new LineSplit(s, in.path(), 0, length, 1));
                continue;
            }
            long pieces = (length + splitBytes - 1) / splitBytes;
            pieces = (pieces + cores - 1) / cores * cores;
            for (long k = 0; k < pieces; k++) {
                LineSplit split = new LineSplit(s, in.path(), length * k / pieces, length * (k + 1) / pieces, 0);
                all.add(split);
                toCount.add(split);
            }
        }
        if (toCount.isEmpty()) {
            return all;
        }
        List<Long> counts = jsc.parallelize(toCount, toCount.size()).map(split -> {
            FileSystem fs = new Path(split.path()).getFileSystem(conf.value().value());
            return LineReader.countLines(fs, split, Compression.NONE);
        }).collect();
        List<LineSplit> numbered = new ArrayList<>(all.size());
        int counted = 0;
        long next = 1;
        int source = -1;
        for (LineSplit split : all) {
            if (split.source() != source) {
                source = split.source();
                next = 1;
            }
            if (split.firstLine() == 0) {
                numbered.add(split.withFirstLine(next));
                next += counts.get(counted++);
            } else {
                numbered.add(split);
            }
        }
        return numbered;
    }

    /** Every line of every source: one partition per split, then the Parquet files' partitions. */
    static JavaRDD<RawLine> lines(SparkSession spark, Broadcast<SerializableWritable<Configuration>> conf,
                                  List<InputFile> sources, List<LineSplit> splits, int maxLineBytes) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<RawLine> out = null;
        if (!splits.isEmpty()) {
            out = jsc.parallelize(splits, splits.size()).mapPartitions(
                    (Iterator<LineSplit> it) -> read(it.next(), sources, conf.value().value(), maxLineBytes));
        }
        for (int s = 0; s < sources.size(); s++) {
            InputFile in = sources.get(s);
            if (in.container() != InputFile.Container.PARQUET) {
                continue;
            }
            int source = s;
            JavaRDD<RawLine> rows = spark.read().parquet(in.path())
                    .select(to_json(struct(col("*"))), col("_metadata.row_index"))
                    .javaRDD()
                    .map((Row r) -> {
                        byte[] json = r.getString(0).getBytes(StandardCharsets.UTF_8);
                        return new RawLine(source, r.getLong(1) + 1, json, json.length);
                    });
            out = out == null ? rows : out.union(rows);
        }
        return out;
    }

    private static Iterator<RawLine> read(LineSplit split, List<InputFile> sources, Configuration conf,
                                          int maxLineBytes) throws IOException {
        InputFile in = sources.get(split.source());
        FileSystem fs = new Path(split.path()).getFileSystem(conf);
        if (in.container() == InputFile.Container.JSON_ARRAY) {
            ArrayReader r = new ArrayReader(in.compression().open(fs.open(new Path(split.path()))), split.source(),
                    split.path());
            closeWithTask(r);
            return r;
        }
        LineReader r = LineReader.open(fs, split, in.compression(), maxLineBytes);
        closeWithTask(r);
        return r;
    }

    /** The stream is closed when the task ends, consumed or not (a failed or limited task leaves it open). */
    private static void closeWithTask(java.io.Closeable c) {
        TaskContext.get().addTaskCompletionListener((TaskContext t) -> {
            try {
                c.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
