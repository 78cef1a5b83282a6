package org.lomospark.datasets.prepare;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.spark.serializer.DeserializationStream;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.Serializer;
import org.apache.spark.serializer.SerializerInstance;
import scala.reflect.ClassTag;

/**
 * The one shuffle's serializer: {@link Layout.Key}s and {@link Out}s in a compact binary form, token ids as raw
 * little-endian int32 and loss masks as their runs. Spark's default, Java serialization, reads a record
 * through reflection field by field and spends a byte a mask value; this is the shuffle that carries every token of
 * the job twice (written by the map tasks, read by the shard writers), so its cost is the job's.
 *
 * <p>Each record is its length (a varint) and then its bytes, the first of which says its kind.
 */
final class PlacedSerializer extends Serializer implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private static final byte KEY = 1;
    private static final byte EXAMPLE = 2;
    private static final byte EVAL = 3;
    private static final byte BAD = 4;
    private static final byte COUNTS = 5;

    @Override
    public SerializerInstance newInstance() {
        return new Instance();
    }

    private static final class Instance extends SerializerInstance {
        @Override
        public <T> ByteBuffer serialize(T t, ClassTag<T> tag) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            new Writer(bytes).writeObject(t, tag).close();
            return ByteBuffer.wrap(bytes.toByteArray());
        }

        @Override
        public <T> T deserialize(ByteBuffer bytes, ClassTag<T> tag) {
            byte[] copy = new byte[bytes.remaining()];
            bytes.duplicate().get(copy);
            return new Reader(new ByteArrayInputStream(copy)).readObject(tag);
        }

        @Override
        public <T> T deserialize(ByteBuffer bytes, ClassLoader loader, ClassTag<T> tag) {
            return deserialize(bytes, tag);
        }

        @Override
        public SerializationStream serializeStream(OutputStream s) {
            return new Writer(s);
        }

        @Override
        public DeserializationStream deserializeStream(InputStream s) {
            return new Reader(s);
        }
    }

    /** Encodes one record at a time into a buffer of its own, then hands the stream the whole record. */
    private static final class Writer extends SerializationStream {
        private final OutputStream out;
        private byte[] buf = new byte[1 << 12];
        private int len;
        private final byte[] header = new byte[5];

        Writer(OutputStream out) {
            this.out = out;
        }

        @Override
        public <T> SerializationStream writeObject(T t, ClassTag<T> tag) {
            len = 0;
            if (t instanceof Layout.Key k) {
                put(KEY);
                varint(k.partition());
                varlong(k.first());
                varlong(k.second());
                varlong(k.third());
            } else if (t instanceof Out.Example e) {
                put(EXAMPLE);
                varint(e.source());
                string(e.task());
                string(e.id());
                ints(e.tokens());
                runs(e.lossMask());
            } else if (t instanceof Out.Eval e) {
                put(EVAL);
                string(e.task());
                string(e.split());
                string(e.group());
                varint(e.candidate());
                varint(e.gold());
                ints(e.tokens());
                varint(e.answerStart());
                varint(e.paddedLength());
                string(e.question());
                string(e.label());
                varint(e.goldLabels().length);
                for (String g : e.goldLabels()) {
                    string(g);
                }
            } else if (t instanceof Out.Bad b) {
                put(BAD);
                string(b.file());
                varlong(b.line());
                string(b.reason());
            } else if (t instanceof Out.Counts c) {
                put(COUNTS);
                varint(c.source);
                for (long n : new long[] {c.lines, c.records, c.bad, c.skipped, c.truncated, c.evalRows,
                        c.evalTokens}) {
                    varlong(n);
                }
                varint(c.evalLongest);
                varint(c.buckets.size());
                c.buckets.forEach((padded, rows) -> {
                    varint(padded);
                    varlong(rows);
                });
            } else {
                throw new IllegalArgumentException("the prepare shuffle carries keys and rows, not "
                        + (t == null ? "null" : t.getClass().getName()));
            }
            int h = 0;
            int v = len;
            while ((v & ~0x7F) != 0) {
                header[h++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            header[h++] = (byte) v;
            try {
                out.write(header, 0, h);
                out.write(buf, 0, len);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        private void room(int more) {
            if (len + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(len + more, 2 * buf.length));
            }
        }

        private void put(byte b) {
            room(1);
            buf[len++] = b;
        }

        private void raw(byte[] b, int n) {
            room(n);
            System.arraycopy(b, 0, buf, len, n);
            len += n;
        }

        private void varint(int v) {
            varlong(v & 0xFFFFFFFFL);
        }

        private void varlong(long v) {
            room(10);
            while ((v & ~0x7FL) != 0) {
                buf[len++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[len++] = (byte) v;
        }

        private void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            varint(b.length);
            raw(b, b.length);
        }

        private void ints(int[] v) {
            varint(v.length);
            room(4 * v.length);
            ByteBuffer.wrap(buf, len, 4 * v.length).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(v);
            len += 4 * v.length;
        }

        /**
         * A loss mask as its runs: the length, then the lengths of the runs, alternately out of and in the loss,
         * starting out of it (a first run may be empty). A mask is a few runs (prompt, answer; a turn each).
         */
        private void runs(boolean[] v) {
            varint(v.length);
            boolean in = false;
            int start = 0;
            for (int i = 0; i < v.length; i++) {
                if (v[i] != in) {
                    varint(i - start);
                    start = i;
                    in = !in;
                }
            }
            varint(v.length - start);
        }

        @Override
        public void flush() {
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Reads a record whole, then decodes it from that buffer; the end of the stream is an EOFException. */
    private static final class Reader extends DeserializationStream {
        private final InputStream in;
        private byte[] buf = new byte[1 << 12];
        private int at;

        Reader(InputStream in) {
            this.in = in;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T readObject(ClassTag<T> tag) {
            try {
                int length = header();
                if (buf.length < length) {
                    buf = new byte[Math.max(length, 2 * buf.length)];
                }
                int got = in.readNBytes(buf, 0, length);
                if (got != length) {
                    throw new EOFException("a shuffle record of " + length + " bytes ends after " + got);
                }
                at = 0;
                return (T) decode();
            } catch (EndOfRecords e) {
                throw Reader.<RuntimeException>endOfStream(e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Spark's readers end a stream on an EOFException out of {@code readObject} (a Scala method, which declares
         * nothing): thrown here unchecked, as the Scala compiler would, so their end-of-stream handling sees it.
         */
        @SuppressWarnings("unchecked")
        private static <E extends Throwable> E endOfStream(EOFException e) throws E {
            throw (E) e;
        }

        /** The record's length; the stream's clean end (no byte of a next record) is {@link EndOfRecords}. */
        private int header() throws IOException {
            int v = 0;
            for (int shift = 0; ; shift += 7) {
                int b = in.read();
                if (b < 0) {
                    if (shift == 0) {
                        throw new EndOfRecords();
                    }
                    throw new EOFException("a shuffle record's length is cut off");
                }
                v |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
        }

        private Object decode() throws IOException {
            byte kind = buf[at++];
            switch (kind) {
                case KEY:
                    return new Layout.Key(varint(), varlong(), varlong(), varlong());
                case EXAMPLE:
                    return new Out.Example(varint(), string(), string(), ints(), runs());
                case EVAL: {
                    String task = string();
                    String split = string();
                    String group = string();
                    int candidate = varint();
                    int gold = varint();
                    int[] tokens = ints();
                    int answerStart = varint();
                    int padded = varint();
                    String question = string();
                    String label = string();
                    String[] goldLabels = new String[varint()];
                    for (int i = 0; i < goldLabels.length; i++) {
                        goldLabels[i] = string();
                    }
                    return new Out.Eval(task, split, group, candidate, gold, tokens, answerStart, padded, question,
                            label, goldLabels);
                }
                case BAD:
                    return new Out.Bad(string(), varlong(), string());
                case COUNTS: {
                    Out.Counts c = new Out.Counts(varint());
                    c.lines = varlong();
                    c.records = varlong();
                    c.bad = varlong();
                    c.skipped = varlong();
                    c.truncated = varlong();
                    c.evalRows = varlong();
                    c.evalTokens = varlong();
                    c.evalLongest = varint();
                    for (int i = varint(); i > 0; i--) {
                        c.buckets.put(varint(), varlong());
                    }
                    return c;
                }
                default:
                    throw new IOException("a shuffle record of unknown kind " + kind);
            }
        }

        private int varint() {
            return (int) varlong();
        }

        private long varlong() {
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                byte b = buf[at++];
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return v;
                }
            }
        }

        private String string() {
            int n = varint();
            String s = new String(buf, at, n, StandardCharsets.UTF_8);
            at += n;
            return s;
        }

        private int[] ints() {
            int[] v = new int[varint()];
            ByteBuffer.wrap(buf, at, 4 * v.length).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(v);
            at += 4 * v.length;
            return v;
        }

        private boolean[] runs() throws IOException {
            boolean[] v = new boolean[varint()];
            boolean in = false;
            int filled = 0;
            while (true) {
                int n = varint();
                if (n < 0 || n > v.length - filled) {
                    throw new IOException("a loss mask's runs overrun its " + v.length + " tokens");
                }
                if (in) {
                    Arrays.fill(v, filled, filled + n, true);
                }
                filled += n;
                if (filled == v.length) {
                    return v;
                }
                in = !in;
            }
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The clean end of a stream of records. */
    private static final class EndOfRecords extends EOFException {
        private static final long serialVersionUID = 1L;
    }
}
