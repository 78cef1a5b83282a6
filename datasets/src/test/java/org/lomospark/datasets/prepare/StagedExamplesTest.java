package org.lomospark.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A train partition kept off the heap: every example back whole, in key order, whatever order it came in. */
class StagedExamplesTest {
    private record Kept(Layout.Key key, Out.Example example) {}

    private static List<Kept> examples(int count, Random random) {
        List<Kept> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(700);
            boolean[] mask = new boolean[n];
            for (int j = 0; j < n; j++) {
                mask[j] = random.nextBoolean();
            }
            int source = random.nextInt(3);
            // keys as Layout.train makes them: (shard, source, line and row, 0), each unique
            Layout.Key key = new Layout.Key(2, source, (long) i << 20 | random.nextInt(4), 0);
            out.add(new Kept(key, new Out.Example(source, source == 1 ? "aufgabe-ü" : "alpaca", "line/" + i,
                    random.ints(n, 0, 32_000).toArray(), mask)));
        }
        return out;
    }

    @Test
    void examplesComeBackWholeInKeyOrder() {
        Random random = new Random(11);
        List<Kept> expected = examples(3_000, random);
        List<Kept> arrival = new ArrayList<>(expected);
        Collections.shuffle(arrival, random);
        expected.sort((a, b) -> Layout.ORDER.compare(a.key(), b.key()));
        // an estimate far short of the tokens: the buffer grows many times, keeping what it held
        try (StagedExamples staged = new StagedExamples(1_000)) {
            for (Kept k : arrival) {
                staged.add(k.key(), k.example());
            }
            Iterator<Out> sorted = staged.sorted();
            for (Kept k : expected) {
                Out.Example e = k.example();
                Out.Example a = (Out.Example) sorted.next();
                assertEquals(List.of(e.source(), e.task(), e.id()), List.of(a.source(), a.task(), a.id()));
                assertArrayEquals(e.tokens(), a.tokens(), e.id());
                assertArrayEquals(e.lossMask(), a.lossMask(), e.id());
            }
            assertFalse(sorted.hasNext());
        }
    }

    @Test
    void nothingKeptIsNothingSorted() {
        try (StagedExamples staged = new StagedExamples(0)) {
            assertFalse(staged.sorted().hasNext());
        }
    }

    @Test
    void aMaskOfAnotherLengthIsRefused() {
        try (StagedExamples staged = new StagedExamples(100)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> staged.add(
                    new Layout.Key(0, 0, 1, 0), new Out.Example(0, "alpaca", "alpaca/1", new int[3],
                            new boolean[2])));
            assertEquals("example alpaca/1 has 3 tokens and 2 mask values", e.getMessage());
        }
    }
}
