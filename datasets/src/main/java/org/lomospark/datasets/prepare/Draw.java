package org.lomospark.datasets.prepare;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.spark.api.java.JavaRDD;
import org.lomospark.datasets.jsonl.JsonLine;

/**
 * The sample of each source, decided before anything is rendered and without any task seeing a whole file: every
 * good record has the draw key {@link Sampling#key} of (seed, source, split, id), ties broken by line; a source
 * limited to {@code n} records keeps the {@code n} smallest. A first pass over the lines keeps each task's
 * {@code n} smallest keys per source, the driver merges them into the {@code n}-th smallest ({@link #threshold}),
 * and rendering keeps exactly the records at or below it. So the sample is the same however the input is split,
 * and a record kept with {@code n} is kept with any larger {@code n}. A kept record that then cannot be rendered
 * (too long) is quarantined, not replaced by the next one drawn.
 */
final class Draw implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Keeps everything. */
    static final Draw ALL = new Draw(null, new long[0][]);

    private final Sampling sampling;
    /** Per source: {key, line} of the last record kept, or null to keep every record. */
    private final long[][] threshold;

    private Draw(Sampling sampling, long[][] threshold) {
        this.sampling = sampling;
        this.threshold = threshold;
    }

    boolean keeps(InputFile in, int source, String id, long line) {
        if (source >= threshold.length || threshold[source] == null) {
            return true;
        }
        long key = sampling.key(in.name(), in.splitName(), id);
        long[] last = threshold[source];
        return key < last[0] || (key == last[0] && line <= last[1]);
    }

    /** Runs the key pass when some source is limited; {@link #ALL} when none is. */
    static Draw of(JavaRDD<RawLine> lines, List<InputFile> sources, PrepareSpec spec) {
        Sampling s = spec.sampling();
        int[] limits = sources.stream().mapToInt(in -> s.limit(in.split() == org.lomospark.datasets.superglue.Split.TRAIN))
                .toArray();
        if (Arrays.stream(limits).allMatch(n -> n == Integer.MAX_VALUE)) {
            return ALL;
        }
        List<long[]> smallest = lines.mapPartitions((Iterator<RawLine> it) -> keys(it, sources, s, limits))
                .collect();
        Map<Integer, List<long[]>> bySource = new HashMap<>();
        for (long[] k : smallest) {
            bySource.computeIfAbsent((int) k[0], x -> new ArrayList<>()).add(k);
        }
        long[][] threshold = new long[sources.size()][];
        for (int src = 0; src < sources.size(); src++) {
            List<long[]> keys = bySource.getOrDefault(src, List.of());
            if (keys.size() >= limits[src]) {
                keys.sort(ORDER);
                long[] last = keys.get(limits[src] - 1);
                threshold[src] = new long[] {last[1], last[2]};
            }
        }
        return new Draw(s, threshold);
    }

    private static final Comparator<long[]> ORDER = Comparator.<long[]>comparingLong(k -> k[1])
            .thenComparingLong(k -> k[2]);

    /** This task's smallest {source, key, line} per limited source, at most the limit of each. */
    private static Iterator<long[]> keys(Iterator<RawLine> it, List<InputFile> sources, Sampling s, int[] limits) {
        JsonLine json = new JsonLine();
        Map<Integer, PriorityQueue<long[]>> heaps = new HashMap<>();
        while (it.hasNext()) {
            RawLine l = it.next();
            int limit = limits[l.source()];
            if (limit == Integer.MAX_VALUE || l.overLong()) {
                continue;
            }
            InputFile in = sources.get(l.source());
            JsonLine.Result<Object> r = in.parse(json, l);
            if (r == null || !r.ok()) {
                continue; // blank or bad: never drawn
            }
            String id = in.id(r.value());
            long[] k = {l.source(), s.key(in.name(), in.splitName(), id), l.line()};
            PriorityQueue<long[]> heap = heaps.computeIfAbsent(l.source(), x -> new PriorityQueue<>(ORDER.reversed()));
            heap.add(k);
            if (heap.size() > limit) {
                heap.poll(); // the largest goes: it can never be among the smallest `limit`
            }
        }
        List<long[]> out = new ArrayList<>();
        heaps.values().forEach(out::addAll);
        return out.iterator();
    }
}
