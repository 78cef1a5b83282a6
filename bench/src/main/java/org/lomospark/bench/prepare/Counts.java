package org.lomospark.bench.prepare;

import org.lomospark.datasets.prepare.Manifest;

/**
 * What one pass over the input made, counted the way the prepare job's manifest counts it.
 *
 * @param records good lines, each of which gave its rows
 * @param bad     lines that gave no rows
 * @param rows    train rows plus eval candidate rows
 * @param tokens  the sum of every row's length
 */
record Counts(long records, long bad, long rows, long tokens) {
    static final Counts ZERO = new Counts(0, 0, 0, 0);

    static Counts of(Manifest m) {
        return new Counts(m.records(), m.bad(), m.trainRows() + m.evalRows(), m.totalTokens());
    }

    Counts plus(Counts o) {
        return new Counts(records + o.records, bad + o.bad, rows + o.rows, tokens + o.tokens);
    }
}
