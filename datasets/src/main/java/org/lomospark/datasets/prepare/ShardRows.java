package org.lomospark.datasets.prepare;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.lomospark.datasets.prompt.TrainingExample;

/**
 * One trainer shard's rows, from its sorted shuffle partition: each example as it comes, or, when the job packs,
 * instruction examples packed per source in windows of {@link Packing#WINDOW}. A pure function of the partition's
 * content, so the shard file and the train Parquet part written from the same partition hold the same rows.
 */
final class ShardRows implements Iterator<ShardRows.TrainRow> {
    /** A train-table row and the source it came from. */
    record TrainRow(int source, String task, String id, int[] tokens, boolean[] lossMask, int[] segments) {}

    private final Iterator<Out> in;
    private final List<InputFile> sources;
    private final int packLength;
    private final int shard;
    private final ArrayDeque<TrainRow> ready = new ArrayDeque<>();
    private final List<TrainingExample> window = new ArrayList<>();
    private int windowSource = -1;
    private long packed;

    ShardRows(Iterator<Out> in, List<InputFile> sources, int packLength, int shard) {
        this.in = in;
        this.sources = sources;
        this.packLength = packLength;
        this.shard = shard;
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty()) {
            if (!in.hasNext()) {
                flush();
                return !ready.isEmpty();
            }
            Out.Example e = (Out.Example) in.next();
            boolean packs = packLength > 0 && sources.get(e.source()).format() != null;
            if (!packs) {
                flush();
                ready.add(new TrainRow(e.source(), e.task(), e.id(), e.tokens(), e.lossMask(), Packing.ONE_SEGMENT));
                continue;
            }
            if (e.source() != windowSource || window.size() == Packing.WINDOW) {
                flush();
            }
            windowSource = e.source();
            window.add(new TrainingExample(e.task(), e.id(), e.tokens(), e.lossMask()));
        }
        return true;
    }

    @Override
    public TrainRow next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }

    private void flush() {
        if (window.isEmpty()) {
            return;
        }
        String name = sources.get(windowSource).name();
        String prefix = String.format(Locale.ROOT, "%s/pack-%05d-", name, shard);
        for (Packing.Packed p : Packing.pack(prefix, window, packLength, packed)) {
            ready.add(new TrainRow(windowSource, name, p.id(), p.tokens(), p.lossMask(), p.segments()));
            packed++;
        }
        window.clear();
    }
}
