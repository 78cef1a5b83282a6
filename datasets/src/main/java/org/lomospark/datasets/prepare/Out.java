package org.lomospark.datasets.prepare;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * What the parse-and-tokenize stage hands to the shuffle, one kind per table of the output; {@link Layout} says
 * which reduce partition each goes to and in what order it arrives there.
 */
sealed interface Out extends Serializable permits Out.Example, Out.Eval, Out.Bad, Out.Counts {
    /** A training sequence before packing; {@code source} says whether it may be packed. */
    record Example(int source, String task, String id, int[] tokens, boolean[] lossMask) implements Out {}

    /** An eval table row, {@link Table#EVAL}'s columns; its length is the tokens'. */
    record Eval(String task, String split, String group, int candidate, int gold, int[] tokens, int answerStart,
                int paddedLength, String question, String label, String[] goldLabels) implements Out {
        Row row() {
            return RowFactory.create(task, split, group, candidate, gold, tokens, answerStart, tokens.length,
                    paddedLength, question, label, goldLabels);
        }
    }

    /** A quarantined line. */
    record Bad(String file, long line, String reason) implements Out {}

    /**
     * What one task saw of one source. The train rows' counts come later, from the shard writers, because
     * packing changes them; eval rows are never packed, so theirs are counted here.
     */
    final class Counts implements Out {
        private static final long serialVersionUID = 1L;
        final int source;
        long lines;
        long records;
        long bad;
        long skipped;
        long truncated;
        long evalRows;
        long evalTokens;
        int evalLongest;
        final TreeMap<Integer, Long> buckets = new TreeMap<>();

        Counts(int source) {
            this.source = source;
        }

        void eval(int length, int padded) {
            evalRows++;
            evalTokens += length;
            evalLongest = Math.max(evalLongest, length);
            buckets.merge(padded, 1L, Long::sum);
        }

        void add(Counts o) {
            lines += o.lines;
            records += o.records;
            bad += o.bad;
            skipped += o.skipped;
            truncated += o.truncated;
            evalRows += o.evalRows;
            evalTokens += o.evalTokens;
            evalLongest = Math.max(evalLongest, o.evalLongest);
            for (Map.Entry<Integer, Long> e : o.buckets.entrySet()) {
                buckets.merge(e.getKey(), e.getValue(), Long::sum);
            }
        }
    }
}
