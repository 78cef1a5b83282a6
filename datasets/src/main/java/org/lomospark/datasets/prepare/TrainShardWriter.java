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

/**
 * Writes the train rows as {@link TrainShard} files: row {@code i} of the (task, id) order goes to shard
 * {@code i % shards}, so the assignment depends on the data alone and any number of data-parallel ranks can
 * split the shard list. With more shards than rows the last shards are empty files, never missing ones: the
 * names are always {@code shard-00000.arrow} to {@code shard-<shards - 1>.arrow}.
 *
 * <p>The rows come to the driver and are written from there through the Hadoop FileSystem: fine for SuperGLUE
 * sizes (tens of MB of tokens); a corpus that does not fit the driver would write one shard per partition.
 */
final class TrainShardWriter {
    private TrainShardWriter() {}

    /** {@code train} in (task, id) order, with the train table's columns; one manifest entry per shard. */
    static List<Manifest.Shard> write(FileSystem fs, Path dir, List<Row> train, int shards) throws IOException {
        List<Manifest.Shard> out = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            List<Row> mine = new ArrayList<>();
            for (int i = s; i < train.size(); i += shards) {
                mine.add(train.get(i));
            }
            String name = TrainShard.fileName(s);
            out.add(new Manifest.Shard(name, mine.size(), writeOne(fs, new Path(dir, name), mine)));
        }
        return out;
    }

    /** One shard file of one record batch; returns its token count. */
    private static long writeOne(FileSystem fs, Path file, List<Row> rows) throws IOException {
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
                Row r = rows.get(i);
                List<Integer> t = r.getList(2);
                List<Boolean> m = r.getList(3);
                task.setSafe(i, r.getString(0).getBytes(StandardCharsets.UTF_8));
                id.setSafe(i, r.getString(1).getBytes(StandardCharsets.UTF_8));
                tokens.startNewValue(i);
                lossMask.startNewValue(i);
                for (int j = 0; j < t.size(); j++) {
                    tokenData.setSafe(at + j, t.get(j));
                    maskData.setSafe(at + j, m.get(j) ? 1 : 0);
                }
                tokens.endValue(i, t.size());
                lossMask.endValue(i, m.size());
                at += t.size();
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
