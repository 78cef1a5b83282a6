package org.lomospark.datasets.prepare;

import java.io.IOException;
import java.util.Locale;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.compression.CompressionCodecFactory.BytesInputCompressor;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;

/**
 * Writes train Parquet part {@code s} from the rows of trainer shard {@code s} where they already lie, in Arrow
 * memory ({@link TrainShardWriter}): each column's pages are encoded here, the token ids of a page copied in one
 * piece, the repetition and definition levels written as one run per row instead of one value per token.
 *
 * <p>Why not Spark's writer: it copies every row into Spark's internal form and parquet-mr's column writer then
 * takes one value at a time, with two levels per token; with the byte tokenizer (one token a byte) that was most of
 * a prepare job's time. The file is the one Spark writes with {@code spark.sql.parquet.writeLegacyFormat} (lists
 * as {@code repeated <type> array} inside a LIST group, one value per element), compressed with the session's
 * {@code spark.sql.parquet.compression.codec}, and its footer carries Spark's schema of {@link Table#TRAIN}, so
 * {@code spark.read().parquet(...)} reads exactly that schema back; Arrow and pandas read the lists as lists.
 *
 * <p>One row group per {@link #ROW_GROUP_BYTES} of values, pages of about {@link #PAGE_BYTES} that start and end
 * on a row. The scalar columns (task, id, length) carry min/max statistics and a column index; the three list
 * columns none, as no query filters on a token.
 */
final class TrainParquet {
    /** The Parquet schema of {@link Table#TRAIN} in the legacy list layout. */
    static final MessageType SCHEMA = Table.TRAIN.parquet();
    /** Spark's setting for the Parquet codec, which these files follow as Spark's own writer would. */
    static final String CODEC_SETTING = "spark.sql.parquet.compression.codec";
    /**
     * A quarter of parquet-mr's default page: every page passes through a few heap buffers (compressed, checksummed),
     * which at 1 MiB are humongous objects for G1 (half a region of a heap up to 2 GiB), each taking whole regions
     * and starting a marking cycle; at 256 KiB none is.
     */
    static final int PAGE_BYTES = 1 << 18;
    static final long ROW_GROUP_BYTES = 128L << 20;

    private TrainParquet() {}

    /** A UTF-8 column in Arrow memory: {@code count + 1} int32 offsets into the bytes. */
    record Utf8(ArrowBuf offsets, ArrowBuf data) {
        int start(int r) {
            return offsets.getInt(4L * r);
        }

        int length(int r) {
            return offsets.getInt(4L * (r + 1)) - start(r);
        }
    }

    /**
     * The rows of one part: task and id, the tokens' offsets ({@code count + 1}) into the int32 token ids and the
     * mask bytes (0 or 1, aligned with the ids), and each row's segment starts ({@code segmentStarts[r]} up to
     * {@code segmentStarts[r + 1]} in {@code segmentValues}).
     */
    record Rows(int count, Utf8 task, Utf8 id, ArrowBuf tokenOffsets, ArrowBuf tokenData, ArrowBuf maskData,
                int[] segmentStarts, int[] segmentValues) {
        int tokenStart(int r) {
            return tokenOffsets.getInt(4L * r);
        }

        int tokenEnd(int r) {
            return tokenOffsets.getInt(4L * (r + 1));
        }
    }

    /** {@code part-00003.snappy.parquet} for part 3 under snappy, as Spark names a codec in its parts. */
    static String fileName(int part, CompressionCodecName codec) {
        return String.format(Locale.ROOT, "part-%05d%s.parquet", part, codec.getExtension());
    }

    /**
     * The codec Spark's setting names ({@code none} and {@code uncompressed} alike), checked on the driver: an
     * unknown name, or one whose codec is not on the classpath, fails here rather than in every task.
     */
    static CompressionCodecName codec(String setting, Configuration conf) {
        String name = setting.trim().toLowerCase(Locale.ROOT);
        CompressionCodecName codec;
        try {
            codec = name.equals("none") ? CompressionCodecName.UNCOMPRESSED : CompressionCodecName.fromConf(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(CODEC_SETTING + " '" + setting + "' is not a Parquet codec", e);
        }
        CodecFactory codecs = new CodecFactory(conf, PAGE_BYTES);
        try {
            codecs.getCompressor(codec);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(CODEC_SETTING + " '" + setting + "': " + e.getMessage(), e);
        } finally {
            codecs.release();
        }
        return codec;
    }

    /** Writes {@code rows} to {@code file}, replacing it (as a retried task must). */
    static void write(Rows rows, OutputFile file, CompressionCodecName codec, Configuration conf)
            throws IOException {
        write(rows, file, codec, conf, PAGE_BYTES, ROW_GROUP_BYTES);
    }

    /** With pages and row groups of about the sizes given (tests use small ones). */
    static void write(Rows rows, OutputFile file, CompressionCodecName codec, Configuration conf, int pageBytes,
                      long rowGroupBytes) throws IOException {
        CodecFactory codecs = new CodecFactory(conf, pageBytes);
        try {
            BytesInputCompressor compressor = codecs.getCompressor(codec);
            Table.TRAIN.write(file, rowGroupBytes,
                    out -> new Chunks(rows, out, compressor, codec, pageBytes, rowGroupBytes).write());
        } finally {
            codecs.release();
        }
    }

    /** The row groups of one file, column chunk by column chunk. */
    private static final class Chunks {
        private final Rows rows;
        private final ParquetFileWriter out;
        private final BytesInputCompressor compressor;
        private final CompressionCodecName codec;
        private final int pageBytes;
        private final long rowGroupBytes;
        private final Page page;

        Chunks(Rows rows, ParquetFileWriter out, BytesInputCompressor compressor, CompressionCodecName codec,
               int pageBytes, long rowGroupBytes) {
            this.rows = rows;
            this.out = out;
            this.compressor = compressor;
            this.codec = codec;
            this.pageBytes = pageBytes;
            this.rowGroupBytes = rowGroupBytes;
            this.page = new Page(pageBytes + (pageBytes >> 2));
        }

        void write() throws IOException {
            int from = 0;
            while (from < rows.count()) {
                int to = from;
                long bytes = 0;
                while (to < rows.count() && (to == from || bytes < rowGroupBytes)) {
                    bytes += rowBytes(to);
                    to++;
                }
                rowGroup(from, to);
                from = to;
            }
        }

        /** About what row {@code r} adds to a row group, uncompressed. */
        private long rowBytes(int r) {
            int tokens = rows.tokenEnd(r) - rows.tokenStart(r);
            return 5L * tokens + rows.task().length(r) + rows.id().length(r) + 8
                    + 4L * (rows.segmentStarts()[r + 1] - rows.segmentStarts()[r]);
        }

        private void rowGroup(int from, int to) throws IOException {
            out.startBlock(to - from);
            Values tokens = (p, a, b) -> p.copy(rows.tokenData(), 4L * a, 4 * (b - a));
            Values mask = (p, a, b) -> p.bits(rows.maskData(), a, b - a);
            int[] starts = rows.segmentStarts();
            Values segments = (p, a, b) -> {
                for (int i = a; i < b; i++) {
                    p.intLE(rows.segmentValues()[i]);
                }
            };
            strings(column("task"), rows.task(), from, to);
            strings(column("id"), rows.id(), from, to);
            list(column("tokens", "array"), from, to, rows::tokenStart, rows::tokenEnd, 32, tokens);
            list(column("loss_mask", "array"), from, to, rows::tokenStart, rows::tokenEnd, 1, mask);
            lengths(column("length"), from, to);
            list(column("segments", "array"), from, to, r -> starts[r], r -> starts[r + 1], 32, segments);
            out.endBlock();
        }

        private static ColumnDescriptor column(String... path) {
            return SCHEMA.getColumnDescription(path);
        }

        /** A required UTF-8 column: PLAIN, each value its length then its bytes. */
        private void strings(ColumnDescriptor d, Utf8 column, int from, int to) throws IOException {
            flat(d, from, to, (r, stats) -> {
                int n = column.length(r);
                page.intLE(n);
                int at = page.len;
                page.copy(column.data(), column.start(r), n);
                stats.updateStats(Binary.fromReusedByteArray(page.buf, at, n));
            });
        }

        /** The required {@code length} column: each row's token count, PLAIN int32. */
        private void lengths(ColumnDescriptor d, int from, int to) throws IOException {
            flat(d, from, to, (r, stats) -> {
                int n = rows.tokenEnd(r) - rows.tokenStart(r);
                page.intLE(n);
                stats.updateStats(n);
            });
        }

        /**
         * A required column that is not repeated, a value a row, in pages of about {@code pageBytes} with their
         * min/max statistics; readers decode no levels for it.
         */
        private void flat(ColumnDescriptor d, int from, int to, RowValue value) throws IOException {
            out.startColumn(d, to - from, codec);
            int r = from;
            while (r < to) {
                page.clear();
                Statistics<?> stats = Statistics.createStats(d.getPrimitiveType());
                int first = r;
                while (r < to && (r == first || page.len < pageBytes)) {
                    value.put(r, stats);
                    r++;
                }
                page(r - first, r - first, stats);
            }
            out.endColumn();
        }

        /**
         * A required list of required values ({@code repeated <type> array}): the repetition level is 0 at a row's
         * first value and 1 at the others, the definition level 1 at every value; an empty list is one entry of
         * level 0 and no value. Both are runs of the RLE hybrid encoding, a few bytes a row.
         */
        private void list(ColumnDescriptor d, int from, int to, Bound start, Bound end, int bitsPerValue,
                          Values values) throws IOException {
            long entries = 0;
            for (int r = from; r < to; r++) {
                entries += Math.max(1, end.at(r) - start.at(r));
            }
            out.startColumn(d, entries, codec);
            int r = from;
            while (r < to) {
                int first = r;
                long bits = 0;
                while (r < to && (r == first || bits < 8L * pageBytes)) {
                    bits += (long) bitsPerValue * (end.at(r) - start.at(r));
                    r++;
                }
                page.clear();
                Runs levels = new Runs(page);
                int count = 0;
                for (int i = first; i < r; i++) {
                    int n = end.at(i) - start.at(i);
                    levels.add(0, 1);
                    levels.add(1, n - 1);
                    count += Math.max(1, n);
                }
                levels.end();
                for (int i = first; i < r; i++) {
                    int n = end.at(i) - start.at(i);
                    levels.add(n == 0 ? 0 : 1, Math.max(1, n));
                }
                levels.end();
                values.put(page, start.at(first), end.at(r - 1));
                page(count, r - first, Statistics.getBuilderForReading(d.getPrimitiveType()).build());
            }
            out.endColumn();
        }

        private void page(int entries, int rowCount, Statistics<?> stats) throws IOException {
            BytesInput compressed = compressor.compress(BytesInput.from(page.buf, 0, page.len));
            out.writeDataPage(entries, page.len, compressed, stats, rowCount, Encoding.RLE, Encoding.RLE,
                    Encoding.PLAIN);
        }
    }

    /** Appends row {@code r}'s value to the page and to the page's statistics. */
    @FunctionalInterface
    private interface RowValue {
        void put(int r, Statistics<?> stats);
    }

    /** Where row {@code r}'s values start, or end, in its column. */
    @FunctionalInterface
    private interface Bound {
        int at(int r);
    }

    /** Appends values {@code [from, to)} of a column to a page, PLAIN. */
    @FunctionalInterface
    private interface Values {
        void put(Page page, int from, int to);
    }

    /**
     * Levels of bit width 1 as RLE runs, {@code (count << 1)} as a ULEB128 varint then the value in one byte,
     * equal neighbours merged, behind the four-byte little-endian length a v1 data page puts before its levels.
     */
    private static final class Runs {
        private final Page page;
        private int lengthAt = -1;
        private int value = -1;
        private long count;

        Runs(Page page) {
            this.page = page;
        }

        void add(int v, long n) {
            if (n <= 0) {
                return;
            }
            if (lengthAt < 0) {
                lengthAt = page.len;
                page.intLE(0);
            }
            if (v != value && count > 0) {
                flush();
            }
            value = v;
            count += n;
        }

        /** Closes these levels: the last run and the length before them. */
        void end() {
            if (lengthAt < 0) {
                lengthAt = page.len;
                page.intLE(0);
            }
            if (count > 0) {
                flush();
            }
            page.intAt(lengthAt, page.len - lengthAt - 4);
            lengthAt = -1;
            value = -1;
        }

        private void flush() {
            if (count > Integer.MAX_VALUE >> 1) {
                throw new IllegalStateException("a run of " + count + " levels is longer than one page can hold");
            }
            page.varint((int) count << 1);
            page.put((byte) value);
            count = 0;
        }
    }

    /** One page's uncompressed bytes, little-endian. */
    private static final class Page {
        byte[] buf;
        int len;

        Page(int capacity) {
            buf = new byte[capacity];
        }

        void clear() {
            len = 0;
        }

        private void room(long more) {
            if (len + more > buf.length) {
                long size = Math.max(len + more, 2L * buf.length);
                if (size > Integer.MAX_VALUE - 16) {
                    throw new IllegalStateException("a Parquet page over 2 GiB; one row holds too many tokens");
                }
                buf = java.util.Arrays.copyOf(buf, (int) size);
            }
        }

        void put(byte b) {
            room(1);
            buf[len++] = b;
        }

        void intLE(int v) {
            room(4);
            intAt(len, v);
            len += 4;
        }

        void intAt(int at, int v) {
            buf[at] = (byte) v;
            buf[at + 1] = (byte) (v >>> 8);
            buf[at + 2] = (byte) (v >>> 16);
            buf[at + 3] = (byte) (v >>> 24);
        }

        void varint(int v) {
            room(5);
            while ((v & ~0x7F) != 0) {
                buf[len++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[len++] = (byte) v;
        }

        /** {@code n} bytes of Arrow memory from {@code at}: Arrow and Parquet are both little-endian. */
        void copy(ArrowBuf from, long at, int n) {
            room(n);
            from.getBytes(at, buf, len, n);
            len += n;
        }

        /** Bytes that are each 0 or 1 as PLAIN booleans: one bit each, the first in the lowest bit. */
        void bits(ArrowBuf bytes, long at, int n) {
            int whole = n >>> 3;
            room(whole + 1L);
            long i = at;
            for (int k = 0; k < whole; k++, i += 8) {
                // eight 0/1 bytes of a little-endian word to eight bits, value j to bit j: the multiply moves byte
                // j's bit to bit 56 + j (no two partial products meet), the shift brings the byte down
                buf[len++] = (byte) ((bytes.getLong(i) * 0x0102040810204080L) >>> 56);
            }
            int rest = n & 7;
            if (rest > 0) {
                int b = 0;
                for (int j = 0; j < rest; j++) {
                    b |= (bytes.getByte(i + j) & 1) << j;
                }
                buf[len++] = (byte) b;
            }
        }
    }
}
