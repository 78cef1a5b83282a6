package org.lomospark.pipeline.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.lomospark.datasets.prepare.Manifest;
import org.lomospark.datasets.prepare.TokenizerSpec;
import org.lomospark.datasets.prepare.TrainShard;
import org.lomospark.datasets.prepare.TrainShardWriter;
import org.lomospark.datasets.prompt.TextPairs;
import org.lomospark.datasets.prompt.TrainingExample;
import org.lomospark.pipeline.store.HadoopSettings;
import scala.Tuple2;

/**
 * The fine-tuner's data: a DataFrame's (prompt, answer) rows tokenized on the executors ({@link TextPairs}:
 * {@code bos, prompt, answer, eos}, the loss on the answer and eos), ordered by a hash of their text and written
 * by the executors as trainer shards under {@code <dir>/shards} ({@link TrainShardWriter}, one shard per
 * data-parallel rank, one task each; no row passes through the driver) with a {@code manifest.json} listing
 * them, which {@link org.lomospark.pipeline.train.TrainStage} reads like a prepare job's.
 *
 * <p>The order depends on the rows alone, not on partitioning, so fitting the same data again writes the same
 * shards, and a resumed run reads what the interrupted one would have. {@code <dir>/data.json}, written last,
 * commits the shards with a digest of every token; a rerun whose digest matches reuses them.
 *
 * <p>A row is never dropped or cut: a null or empty prompt or answer, or a row over {@code maxLength} tokens,
 * fails the fit with the count of such rows and the first few quoted.
 */
final class TrainingData {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COMMIT = "data.json";
    private static final String TASK = "dataframe";
    private static final int QUOTED = 3;

    private TrainingData() {}

    /** What the shards hold; {@code longestRow} in tokens, bos and eos included. */
    record Written(long rows, long tokens, int longestRow, String sha256) {
        /** The shards together; the digest is of the shards' digests in shard order. */
        private static Written of(List<ShardSummary> shards) {
            shards.sort(Comparator.comparingInt(ShardSummary::shard));
            MessageDigest d = newSha256();
            long rows = 0;
            long tokens = 0;
            int longest = 0;
            for (ShardSummary s : shards) {
                d.update(s.sha256());
                rows += s.rows();
                tokens += s.tokens();
                longest = Math.max(longest, s.longestRow());
            }
            return new Written(rows, tokens, longest, HexFormat.of().formatHex(d.digest()));
        }
    }

    /** One row on its way to the driver: an example, or why there is none. */
    private record Tokenized(String id, int[] tokens, boolean[] mask, String problem) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /**
     * Tokenizes {@code pairs} (its first column the prompt, its second the answer) and writes the shards, or
     * reuses the ones already committed under {@code dir} when they hold exactly these rows.
     *
     * @param resumable whether a run has checkpoints already: then other data under {@code dir} is an error,
     *                  not something to replace
     */
    static Written write(SparkSession spark, Dataset<Row> pairs, TokenizerSpec.Loaded tokenizer, int maxLength,
                         String dir, int shards, boolean resumable) throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<TokenizerSpec.Loaded> shared = jsc.broadcast(tokenizer);
        JavaRDD<Tokenized> tokenized = null;
        JavaPairRDD<Long, Tokenized> placed = null;
        try {
            FlatMapFunction<Iterator<Row>, Tokenized> tokenize = it -> tokenize(it, shared.value(), maxLength);
            tokenized = pairs.toJavaRDD().mapPartitions(tokenize).persist(StorageLevel.MEMORY_AND_DISK_SER());
            long total = tokenized.count();
            JavaRDD<Tokenized> refused = tokenized.filter(r -> r.problem() != null);
            long bad = refused.count();
            if (bad > 0) {
                throw new IllegalArgumentException(bad + " of " + total + " rows cannot be trained on, none was "
                        + "dropped; the first: " + String.join("; ", refused.take(QUOTED).stream()
                        .map(Tokenized::problem).toList()));
            }
            if (total < shards) {
                throw new IllegalArgumentException(total + " rows are fewer than dp " + shards
                        + ": every data-parallel rank needs at least one");
            }
            // row i in the order of the ids goes to shard i mod shards, in that order: a layout of the rows alone
            int partitions = Math.max(1, tokenized.getNumPartitions());
            placed = tokenized.sortBy(Tokenized::id, true, partitions).zipWithIndex()
                    .mapToPair(t -> new Tuple2<>(t._2(), t._1()))
                    .repartitionAndSortWithinPartitions(new ShardOf(shards))
                    .persist(StorageLevel.MEMORY_AND_DISK_SER());
            List<ShardSummary> parts = new ArrayList<>(placed.mapPartitionsWithIndex(
                    (s, it) -> List.of(ShardSummary.of(s, it)).iterator(), true).collect());
            Written written = Written.of(parts);

            Configuration conf = spark.sparkContext().hadoopConfiguration();
            Path root = new Path(dir);
            FileSystem fs = root.getFileSystem(conf);
            Path commit = new Path(root, COMMIT);
            if (fs.exists(commit)) {
                JsonNode old;
                try (InputStream in = fs.open(commit)) {
                    old = JSON.readTree(in);
                }
                if (old.path("sha256").asText().equals(written.sha256())) {
                    return written;
                }
                if (resumable) {
                    throw new IllegalArgumentException(dir + " holds the shards of other rows (or another "
                            + "tokenizer) than this DataFrame's, and its checkpoints were trained on them: fit other "
                            + "data under a new checkpointDir");
                }
            }
            if (fs.exists(root) && !fs.delete(root, true)) {
                throw new IOException("could not remove the old " + root);
            }
            // each task writes its shard; the manifest and the commit come after every shard is written
            HadoopSettings hadoop = HadoopSettings.of(conf);
            String shardDir = new Path(root, TrainShard.DIR).toString();
            List<Manifest.Shard> entries = new ArrayList<>(placed.mapPartitionsWithIndex((s, it) -> {
                Path d = new Path(shardDir);
                Manifest.Shard entry = TrainShardWriter.writeShard(d.getFileSystem(hadoop.configuration()), d, s,
                        new Examples(it));
                return List.of(entry).iterator();
            }, true).collect());
            Manifest.ofShards(tokenizer.tokenizer().fingerprint(), tokenizer.tokenizer(), maxLength,
                    written.longestRow(), entries).write(fs, new Path(root, Manifest.FILE_NAME));
            ObjectNode json = JSON.createObjectNode();
            json.put("rows", written.rows());
            json.put("tokens", written.tokens());
            json.put("longest_row", written.longestRow());
            json.put("sha256", written.sha256());
            try (OutputStream out = fs.create(commit, true)) {
                out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
            }
            return written;
        } finally {
            if (placed != null) {
                placed.unpersist(false);
            }
            if (tokenized != null) {
                tokenized.unpersist(false);
            }
            shared.destroy();
        }
    }

    /** Row number {@code i} (in the order of the ids) belongs to shard {@code i mod shards}. */
    private static final class ShardOf extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int shards;

        ShardOf(int shards) {
            this.shards = shards;
        }

        @Override
        public int numPartitions() {
            return shards;
        }

        @Override
        public int getPartition(Object key) {
            return (int) Math.floorMod((Long) key, (long) shards);
        }
    }

    /** A shard's rows as the trainer's examples, in their order. */
    private record Examples(Iterator<Tuple2<Long, Tokenized>> rows) implements Iterator<TrainingExample> {
        @Override
        public boolean hasNext() {
            return rows.hasNext();
        }

        @Override
        public TrainingExample next() {
            Tokenized r = rows.next()._2();
            return new TrainingExample(TASK, r.id(), r.tokens(), r.mask());
        }
    }

    /** One shard's rows, tokens, longest row and the digest of its tokens and masks in order. */
    private record ShardSummary(int shard, long rows, long tokens, int longestRow, byte[] sha256)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        static ShardSummary of(int shard, Iterator<Tuple2<Long, Tokenized>> rows) {
            MessageDigest d = newSha256();
            long n = 0;
            long tokens = 0;
            int longest = 0;
            while (rows.hasNext()) {
                Tokenized r = rows.next()._2();
                ByteBuffer b = ByteBuffer.allocate(Integer.BYTES * (1 + r.tokens().length) + r.mask().length);
                b.putInt(r.tokens().length);
                for (int t : r.tokens()) {
                    b.putInt(t);
                }
                for (boolean m : r.mask()) {
                    b.put((byte) (m ? 1 : 0));
                }
                d.update(b.array());
                n++;
                tokens += r.tokens().length;
                longest = Math.max(longest, r.tokens().length);
            }
            return new ShardSummary(shard, n, tokens, longest, d.digest());
        }
    }

    private static Iterator<Tokenized> tokenize(Iterator<Row> rows, TokenizerSpec.Loaded tokenizer, int maxLength) {
        TextPairs pairs = new TextPairs(tokenizer.tokenizer());
        List<Tokenized> out = new ArrayList<>();
        while (rows.hasNext()) {
            Row r = rows.next();
            String prompt = r.isNullAt(0) ? null : r.getString(0);
            String answer = r.isNullAt(1) ? null : r.getString(1);
            if (prompt == null || answer == null) {
                out.add(new Tokenized("", null, null, "a row with a null " + (prompt == null ? "prompt" : "answer")
                        + " (prompt " + quote(prompt) + ")"));
                continue;
            }
            String id = id(prompt, answer);
            try {
                TrainingExample e = pairs.training(TASK, id, prompt, answer);
                int n = e.tokens().length;
                out.add(n > maxLength
                        ? new Tokenized(id, null, null, "the row with prompt " + quote(prompt) + " has " + n
                                + " tokens (bos, prompt, answer, eos), over maxLength " + maxLength)
                        : new Tokenized(id, e.tokens(), e.lossMask(), null));
            } catch (IllegalArgumentException e) {
                out.add(new Tokenized(id, null, null, "the row with prompt " + quote(prompt) + ": the answer is "
                        + "empty, nothing to learn"));
            }
        }
        return out.iterator();
    }

    /** The row's key: a hash of its text, so the order of the shards does not depend on partitioning. */
    private static String id(String prompt, String answer) {
        MessageDigest d = newSha256();
        d.update(prompt.getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
        d.update(answer.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(d.digest(), 0, 12);
    }

    private static String quote(String text) {
        if (text == null) {
            return "null";
        }
        String shown = text.length() > 60 ? text.substring(0, 60) + "..." : text;
        return "\"" + shown.replace("\n", "\\n") + "\"";
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
