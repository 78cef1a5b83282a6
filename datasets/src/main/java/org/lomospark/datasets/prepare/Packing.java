package org.lomospark.datasets.prepare;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.TreeSet;
import org.lomospark.datasets.prompt.TrainingExample;

/**
 * Packs whole training examples into rows of at most {@code length} tokens: best fit decreasing (longest example
 * first, each into the open row it fills most tightly, a new row when none has room), which fills rows far
 * better than packing in file order. Deterministic: ties go by input order, rows are numbered as opened. A prepare
 * job packs each trainer shard's examples of one source in windows of {@link #WINDOW}, in shard order, so memory
 * stays bounded and the rows do not depend on how the input was split.
 *
 * <p>An example is never split: its answer would lose its question. Each row records where its examples start
 * ({@link Packed#segments()}), so a trainer can keep attention inside an example; the loss masks travel
 * unchanged, so the loss stays on the responses.
 *
 * <pre>
 * List&lt;Packing.Packed&gt; rows = Packing.pack("alpaca/pack-00003-", examples, 1024, 0);   // ids ...-000000 on
 * </pre>
 */
final class Packing {
    /** Examples packed together at most: about 30 MB of tokens, and a fill within a hair of the whole set's. */
    static final int WINDOW = 16_384;
    /** The segments of a row that holds one example. */
    static final int[] ONE_SEGMENT = {0};

    private Packing() {}

    /**
     * One packed row: its examples back to back.
     *
     * @param segments the start of each example in {@code tokens}, ascending, the first 0
     */
    record Packed(String id, int[] tokens, boolean[] lossMask, int[] segments) {}

    /**
     * Row {@code r} gets the id {@code idPrefix} followed by {@code firstNumber + r} in six digits or more. Throws
     * {@link IllegalArgumentException} when an example is longer than {@code length}.
     */
    static List<Packed> pack(String idPrefix, List<TrainingExample> examples, int length, long firstNumber) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            int n = examples.get(i).tokens().length;
            if (n > length) {
                throw new IllegalArgumentException(examples.get(i).task() + " " + examples.get(i).id() + ": " + n
                        + " tokens do not fit a packed row of " + length);
            }
            order.add(i);
        }
        order.sort(Comparator.comparingInt((Integer i) -> -examples.get(i).tokens().length)
                .thenComparingInt(i -> i));
        List<List<TrainingExample>> rows = new ArrayList<>();
        List<Integer> used = new ArrayList<>();
        // free space -> the rows with that much room, oldest first
        TreeMap<Integer, TreeSet<Integer>> byRoom = new TreeMap<>();
        for (int i : order) {
            TrainingExample e = examples.get(i);
            int n = e.tokens().length;
            var fit = byRoom.ceilingEntry(n);
            int row;
            if (fit == null) {
                row = rows.size();
                rows.add(new ArrayList<>());
                used.add(0);
            } else {
                row = fit.getValue().pollFirst();
                if (fit.getValue().isEmpty()) {
                    byRoom.remove(fit.getKey());
                }
            }
            rows.get(row).add(e);
            used.set(row, used.get(row) + n);
            int room = length - used.get(row);
            if (room > 0) {
                byRoom.computeIfAbsent(room, k -> new TreeSet<>()).add(row);
            }
        }
        List<Packed> out = new ArrayList<>(rows.size());
        for (int r = 0; r < rows.size(); r++) {
            out.add(concat(String.format(Locale.ROOT, "%s%06d", idPrefix, firstNumber + r), rows.get(r),
                    used.get(r)));
        }
        return out;
    }

    private static Packed concat(String id, List<TrainingExample> parts, int size) {
        int[] tokens = new int[size];
        boolean[] mask = new boolean[size];
        int[] segments = new int[parts.size()];
        int at = 0;
        for (int s = 0; s < parts.size(); s++) {
            TrainingExample e = parts.get(s);
            segments[s] = at;
            System.arraycopy(e.tokens(), 0, tokens, at, e.tokens().length);
            System.arraycopy(e.lossMask(), 0, mask, at, e.lossMask().length);
            at += e.tokens().length;
        }
        return new Packed(id, tokens, mask, segments);
    }
}
