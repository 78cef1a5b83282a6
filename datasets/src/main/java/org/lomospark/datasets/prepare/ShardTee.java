package org.lomospark.datasets.prepare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.apache.spark.util.CollectionAccumulator;

/**
 * A train partition's rows on their way to the Parquet writer, appended to the partition's trainer shard as they
 * pass: when the writer has taken the last row the shard file is written and its {@link ShardStats} reported. A
 * failed task leaves no report (Spark drops a failed task's accumulator updates) and its retry writes the file
 * again; the shard's Arrow memory is freed when the task ends, however it ends.
 */
final class ShardTee implements Iterator<Row> {
    private final Iterator<ShardRows.TrainRow> in;
    private final int index;
    private final TrainShardWriter writer;
    private final CollectionAccumulator<ShardStats> report;
    private final long[] rows;
    private final long[] tokens;
    private final int[] longest;
    private boolean done;

    ShardTee(Iterator<ShardRows.TrainRow> in, int index, int sources, Path file, Configuration conf,
             CollectionAccumulator<ShardStats> report) throws IOException {
        this.in = in;
        this.index = index;
        this.writer = new TrainShardWriter(file.getFileSystem(conf), file);
        this.report = report;
        this.rows = new long[sources];
        this.tokens = new long[sources];
        this.longest = new int[sources];
        TaskContext.get().addTaskCompletionListener((TaskContext t) -> writer.close());
    }

    @Override
    public boolean hasNext() {
        if (in.hasNext()) {
            return true;
        }
        if (!done) {
            done = true;
            try {
                report.add(new ShardStats(index, writer.finish(), rows, tokens, longest));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return false;
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ShardRows.TrainRow r = in.next();
        writer.add(r.task(), r.id(), r.tokens(), r.lossMask());
        int n = r.tokens().length;
        rows[r.source()]++;
        tokens[r.source()] += n;
        longest[r.source()] = Math.max(longest[r.source()], n);
        return r.row();
    }
}
