package org.lomospark.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.serializer.DeserializationStream;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/** The shuffle's serializer through Spark's own stream calls: every kind back as it went in, and a clean end. */
class PlacedSerializerTest {
    private static final ClassTag<Object> ANY = ClassTag$.MODULE$.Any();
    private final SerializerInstance serializer = new PlacedSerializer().newInstance();

    private static boolean[] mask(int n, Random random) {
        boolean[] m = new boolean[n];
        for (int i = 0; i < n; i++) {
            m[i] = random.nextBoolean();
        }
        return m;
    }

    private static Out.Counts counts() {
        Out.Counts c = new Out.Counts(3);
        c.lines = 10;
        c.bad = 2;
        c.eval(17, 32);
        return c;
    }

    private List<Tuple2<Object, Object>> pairs() {
        Random random = new Random(5);
        return List.of(
                new Tuple2<>(new Layout.Key(0, 1, 42L << 20 | 3, 0),
                        new Out.Example(1, "alpaca", "alpaca/7", random.ints(1001, 0, 32_000).toArray(),
                                mask(1001, random))),
                new Tuple2<>(new Layout.Key(1, 0, Long.MAX_VALUE, -1),
                        new Out.Example(0, "t", "é", new int[0], new boolean[0])),
                new Tuple2<>(new Layout.Key(5, 64, 2, 9),
                        new Out.Eval("rte", "val", "rte/val/3", 1, -1, new int[] {5, 6, 7}, 2, 8, "q?", "yes",
                                new String[] {"a", "ü"})),
                new Tuple2<>(new Layout.Key(7, 0, 12, 0), new Out.Bad("in.jsonl", 12, "not JSON: ü")),
                new Tuple2<>(new Layout.Key(8, 3, 1, 0), counts()));
    }

    private static void assertSameOut(Object expected, Object actual) {
        if (expected instanceof Out.Example e) {
            Out.Example a = assertInstanceOf(Out.Example.class, actual);
            assertEquals(List.of(e.source(), e.task(), e.id()), List.of(a.source(), a.task(), a.id()));
            assertArrayEquals(e.tokens(), a.tokens());
            assertArrayEquals(e.lossMask(), a.lossMask());
        } else if (expected instanceof Out.Eval e) {
            Out.Eval a = assertInstanceOf(Out.Eval.class, actual);
            assertEquals(List.of(e.task(), e.split(), e.group(), e.candidate(), e.gold(), e.answerStart(),
                    e.paddedLength(), e.question(), e.label()), List.of(a.task(), a.split(), a.group(), a.candidate(),
                    a.gold(), a.answerStart(), a.paddedLength(), a.question(), a.label()));
            assertArrayEquals(e.tokens(), a.tokens());
            assertArrayEquals(e.goldLabels(), a.goldLabels());
        } else if (expected instanceof Out.Counts e) {
            Out.Counts a = assertInstanceOf(Out.Counts.class, actual);
            assertEquals(List.of(e.source, e.lines, e.bad, e.evalRows, e.evalTokens, e.buckets),
                    List.of(a.source, a.lines, a.bad, a.evalRows, a.evalTokens, a.buckets));
        } else {
            assertEquals(expected, actual);
        }
    }

    private byte[] written(List<Tuple2<Object, Object>> pairs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SerializationStream out = serializer.serializeStream(bytes);
        for (Tuple2<Object, Object> p : pairs) {
            out.writeKey(p._1(), ANY);
            out.writeValue(p._2(), ANY);
        }
        out.close();
        return bytes.toByteArray();
    }

    @Test
    void everyKindComesBackAndTheStreamEndsCleanly() {
        List<Tuple2<Object, Object>> pairs = pairs();
        DeserializationStream in = serializer.deserializeStream(new ByteArrayInputStream(written(pairs)));
        scala.collection.Iterator<Tuple2<Object, Object>> read = in.asKeyValueIterator();
        for (Tuple2<Object, Object> p : pairs) {
            assertTrue(read.hasNext());
            Tuple2<Object, Object> got = read.next();
            assertEquals(p._1(), got._1());
            assertSameOut(p._2(), got._2());
        }
        assertFalse(read.hasNext(), "the end of the bytes is the end of the records");
    }

    @Test
    void aMaskOfEveryLengthKeepsEveryBit() {
        Random random = new Random(9);
        for (int n = 0; n < 70; n++) {
            Out.Example e = new Out.Example(0, "t", "i", new int[n], mask(n, random));
            Object back = serializer.deserialize(serializer.serialize(e, ANY), ANY);
            assertSameOut(e, back);
        }
    }

    @Test
    void aStreamCutInsideARecordIsAnErrorNotAnEnd() {
        byte[] bytes = written(pairs());
        byte[] cut = Arrays.copyOf(bytes, bytes.length - 3);
        scala.collection.Iterator<Tuple2<Object, Object>> read =
                serializer.deserializeStream(new ByteArrayInputStream(cut)).asKeyValueIterator();
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> {
            while (read.hasNext()) {
                read.next();
            }
        });
        assertTrue(e.getMessage().contains("ends after"), e::getMessage);
    }

    @Test
    void anythingElseIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> serializer.serialize("a string", ANY));
        assertTrue(e.getMessage().contains("java.lang.String"), e::getMessage);
    }
}
