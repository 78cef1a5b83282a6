package org.lomospark.datasets.prepare;

import java.io.Serializable;
import java.util.Comparator;
import org.apache.spark.Partitioner;

/**
 * Where every {@link Out} of the parse stage goes in the one shuffle of a prepare job, and in what order: the
 * reduce partitions are, in this order, the {@code trainShards} trainer shards, {@code evalParts} parts of the eval
 * table, one quarantine partition and one of per-task counts. Every assignment and every order is a function of
 * the record (its source, line and row within the record) alone, never of how the input was split or how many
 * cores ran it; so each partition's content, and each file written from it, is the same on any cluster.
 *
 * <ul>
 *   <li>train: shard {@code hash(task, split, line, row) mod trainShards}, ordered by (source, line, row);</li>
 *   <li>eval: part {@code hash(task, split, line) mod evalParts} (a question's candidates stay together), ordered
 *       by (padded length, source, line, row), so an evaluator reading a part meets each bucket's rows together;</li>
 *   <li>quarantine: ordered by (source, line); counts: by (source, task that counted).</li>
 * </ul>
 */
final class Layout extends Partitioner {
    private static final long serialVersionUID = 1L;
    /** Rows within one record are numbered below this: MultiRC's many answers fit easily. */
    private static final int ROW_BITS = 20;

    /** A shuffle key: the partition, then three numbers compared in order. */
    record Key(int partition, long first, long second, long third) implements Serializable {}

    /** Keys in partition order, then by their numbers; serializable, as Spark ships it to the reducers. */
    static final Comparator<Key> ORDER = (Comparator<Key> & Serializable) (a, b) -> {
        int c = Integer.compare(a.partition, b.partition);
        if (c == 0) {
            c = Long.compare(a.first, b.first);
        }
        if (c == 0) {
            c = Long.compare(a.second, b.second);
        }
        return c != 0 ? c : Long.compare(a.third, b.third);
    };

    final int trainShards;
    final int evalParts;
    private final long[] sourceHash;

    /** A source hashes by its task and split, so its rows land alike whatever its place in the job's inputs. */
    Layout(int trainShards, int evalParts, java.util.List<InputFile> sources) {
        if (trainShards < 1 || evalParts < 1) {
            throw new IllegalArgumentException("trainShards " + trainShards + " and evalParts " + evalParts
                    + " must be at least 1");
        }
        this.trainShards = trainShards;
        this.evalParts = evalParts;
        this.sourceHash = new long[sources.size()];
        for (int i = 0; i < sources.size(); i++) {
            sourceHash[i] = Sampling.fnv(0, sources.get(i).name() + '\u0000' + sources.get(i).splitName());
        }
    }

    int quarantine() {
        return trainShards + evalParts;
    }

    int counts() {
        return trainShards + evalParts + 1;
    }

    boolean isTrain(int partition) {
        return partition < trainShards;
    }

    boolean isEval(int partition) {
        return partition >= trainShards && partition < quarantine();
    }

    Key train(int source, long line, int row) {
        int shard = (int) Long.remainderUnsigned(Sampling.mix(sourceHash[source] ^ Sampling.mix(at(line, row))),
                trainShards);
        return new Key(shard, source, at(line, row), 0);
    }

    Key eval(int source, long line, int row, int paddedLength) {
        int part = (int) Long.remainderUnsigned(Sampling.mix(sourceHash[source] ^ Sampling.mix(line)), evalParts);
        return new Key(trainShards + part, paddedLength, source, at(line, row));
    }

    Key bad(int source, long line) {
        return new Key(quarantine(), source, line, 0);
    }

    Key counts(int source, int task) {
        return new Key(counts(), source, task, 0);
    }

    private static long at(long line, int row) {
        if (row >>> ROW_BITS != 0) {
            throw new IllegalArgumentException("record at line " + line + " gives more than " + (1 << ROW_BITS)
                    + " rows");
        }
        return line << ROW_BITS | row;
    }

    @Override
    public int numPartitions() {
        return counts() + 1;
    }

    @Override
    public int getPartition(Object key) {
        return ((Key) key).partition;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Layout l && l.trainShards == trainShards && l.evalParts == evalParts
                && java.util.Arrays.equals(l.sourceHash, sourceHash);
    }

    @Override
    public int hashCode() {
        return 31 * trainShards + evalParts;
    }
}
