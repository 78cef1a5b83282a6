package org.lomospark.datasets.prepare;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.lomospark.datasets.prompt.TrainingExample;

/**
 * Writes the train rows as {@link TrainShard} files: row {@code i} of the (task, id) order goes to shard
 * {@code i % shards}, so the assignment depends on the data alone and any number of data-parallel ranks can
 * split the shard list. With more shards than rows the last shards are empty files, never missing ones: the
 * names are always {@code shard-00000.arrow} to {@code shard-<shards - 1>.arrow}.
 *
 * <p>The rows come to the driver and are written from there through the Hadoop FileSystem: fine for SuperGLUE
 * sizes (tens of MB of tokens); a corpus that does not fit the driver would write one shard per partition.
 *
 * <p>Besides {@link PrepareJob}, any producer of already-rendered examples (the Spark ML fine-tuner's
 * DataFrame of prompts and answers) writes its shards here:
 * <pre>
 * TrainShardWriter.writeExamples(fs, new Path(out, "shards"), examples, dp);   // then ShardTokenSource reads out
 * </pre>
 */
public final class TrainShardWriter {
    private TrainShardWriter() {}

    /** {@code train} in (task, id) order, with the train table's columns; one manifest entry per shard. */
    static List<Manifest.Shard> write(FileSystem fs, Path dir, List<Row> train, int shards) throws IOException {
        List<TrainingExample> examples = new ArrayList<>(train.size());
        for (Row r : train) {
            List<Integer> t = r.getList(2);
            List<Boolean> m = r.getList(3);
            boolean[] mask = new boolean[m.size()];
            for (int j = 0; j < mask.length; j++) {
                mask[j] = m.get(j);
            }
            examples.add(new TrainingExample(r.getString(0), r.getString(1),
                    t.stream().mapToInt(Integer::intValue).toArray(), mask));
        }
        return writeExamples(fs, dir, examples, shards);
    }

    /**
     * Writes {@code examples}, in the order given, as shards {@code shard-00000.arrow} .. under {@code dir} (any
     * Hadoop filesystem; no file may exist yet); one manifest entry per shard.
     */
    public static List<Manifest.Shard> writeExamples(FileSystem fs, Path dir, List<TrainingExample> examples,
                                                     int shards) throws IOException {
        if (shards < 1) {
            throw new IllegalArgumentException("shards " + shards + " must be at least 1");
        }
        List<Manifest.Shard> out = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            List<TrainingExample> mine = new ArrayList<>();
            for (int i = s; i < examples.size(); i += shards) {
                mine.add(examples.get(i));
            }
            String name = TrainShard.fileName(s);
            out.add(new Manifest.Shard(name, mine.size(), writeOne(fs, new Path(dir, name), mine)));
        }
        return out;
    }

    /** One shard file of one record batch; returns its token count. */
    private static long writeOne(FileSystem fs, Path file, List<TrainingExample> rows) throws IOException {
        try (BufferAllocator allocator = new RootAllocator();
             VectorSchemaRoot root = VectorSchemaRoot.create(TrainShard.SCHEMA, allocator)) {
            VarCharVector task = (VarCharVector) root.getVector("task");
            VarCharVector id = (VarCharVector) root.getVector("id");
            ListVector tokens = (ListVector) root.getVector("tokens");
            ListVector lossMask = (ListVector) root.getVector("loss_mask");
            IntVector tokenData = (IntVector) tokens.getDataVector();
            TinyIntVector maskData = (TinyIntVector) lossMask.getDataVector();
            int at = 0;
            for (int i = 0; i < rows.size(); i++) {
                TrainingExample e = rows.get(i);
                int[] t = e.tokens();
                boolean[] m = e.lossMask();
                task.setSafe(i, e.task().getBytes(StandardCharsets.UTF_8));
                id.setSafe(i, e.id().getBytes(StandardCharsets.UTF_8));
                tokens.startNewValue(i);
                lossMask.startNewValue(i);
                for (int j = 0; j < t.length; j++) {
                    tokenData.setSafe(at + j, t[j]);
                    maskData.setSafe(at + j, m[j] ? 1 : 0);
                }
                tokens.endValue(i, t.length);
                lossMask.endValue(i, m.length);
                at += t.length;
            }
            root.setRowCount(rows.size());
            try (OutputStream stream = fs.create(file, false);
                 ArrowFileWriter writer = new ArrowFileWriter(root, null, Channels.newChannel(stream))) {
                writer.start();
                writer.writeBatch();
                writer.end();
            }
            return at;
        }
    }
}
