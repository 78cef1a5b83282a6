package org.lomospark.datasets.prepare;

import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.spark.SerializableWritable;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

/**
 * The task of train partition {@code s}: its examples, as the shuffle delivers them, are kept off the heap
 * ({@link StagedExamples}) until the partition is complete; then its rows in key order ({@link ShardRows}, packed
 * when the job packs) go once into Arrow memory, which is written twice, as trainer shard {@code s} and as train
 * Parquet part {@code s}; the task returns what the shard holds. A retried task writes both files again (the same
 * bytes); its memory is twice the partition's tokens, off the heap, freed when it ends however it ends.
 */
final class TrainPart implements Function2<Integer, Iterator<Tuple2<Layout.Key, Out>>, Iterator<ShardStats>> {
    private static final long serialVersionUID = 1L;
    private final List<InputFile> sources;
    private final int packLength;
    private final String shardDir;
    private final String parquetDir;
    private final CompressionCodecName codec;
    private final long expectedTokens;
    private final Broadcast<SerializableWritable<Configuration>> hadoop;

    TrainPart(List<InputFile> sources, int packLength, Path output, CompressionCodecName codec,
              long expectedTokens, Broadcast<SerializableWritable<Configuration>> hadoop) {
        this.sources = sources;
        this.packLength = packLength;
        this.shardDir = new Path(output, TrainShard.DIR).toString();
        this.parquetDir = new Path(output, Table.TRAIN.dir).toString();
        this.codec = codec;
        this.expectedTokens = expectedTokens;
        this.hadoop = hadoop;
    }

    @Override
    public Iterator<ShardStats> call(Integer s, Iterator<Tuple2<Layout.Key, Out>> partition) throws Exception {
        Configuration conf = hadoop.value().value();
        Path shard = new Path(shardDir, TrainShard.fileName(s));
        long[] rows = new long[sources.size()];
        long[] tokens = new long[sources.size()];
        int[] longest = new int[sources.size()];
        try (TrainShardWriter writer = new TrainShardWriter(shard.getFileSystem(conf), shard,
                expectedTokens)) {
            try (StagedExamples staged = new StagedExamples(expectedTokens)) {
                while (partition.hasNext()) {
                    Tuple2<Layout.Key, Out> kv = partition.next();
                    staged.add(kv._1(), (Out.Example) kv._2());
                }
                ShardRows in = new ShardRows(staged.sorted(), sources, packLength, s);
                while (in.hasNext()) {
                    ShardRows.TrainRow r = in.next();
                    writer.add(r.task(), r.id(), r.tokens(), r.lossMask(), r.segments());
                    int n = r.tokens().length;
                    rows[r.source()]++;
                    tokens[r.source()] += n;
                    longest[r.source()] = Math.max(longest[r.source()], n);
                }
            }
            writer.writeParquet(HadoopOutputFile.fromPath(
                    new Path(parquetDir, TrainParquet.fileName(s, codec)), conf), codec, conf);
            return List.of(new ShardStats(s, writer.finish(), rows, tokens, longest)).iterator();
        }
    }
}
