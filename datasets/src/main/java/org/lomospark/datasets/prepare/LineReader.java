package org.lomospark.datasets.prepare;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The lines of one {@link LineSplit}, read lazily as raw bytes from any Hadoop filesystem: split on the newline
 * byte alone (never {@code \r}), before any decoding, so a bad byte spoils only its own line and the strict UTF-8
 * check stays with the parser. Memory follows the line, not the file, and not even the line past a limit: a line
 * longer than {@code maxLineBytes} is scanned to its end without being kept and comes back as an
 * {@linkplain RawLine#overLong() over-long} line with its length.
 *
 * <p>A UTF-8 byte order mark at the very start of the file is skipped (editors on Windows write one). Hadoop's own
 * {@code LineRecordReader} is not used: it also ends lines at {@code \r}, skips over-long lines silently and has no
 * line numbers.
 *
 * <pre>
 * try (LineReader lines = LineReader.open(fs, split, Compression.NONE, 8 &lt;&lt; 20)) {
 *     while (lines.hasNext()) { RawLine l = lines.next(); ... }
 * }
 * </pre>
 */
final class LineReader extends Lines {
    private static final int BUFFER = 1 << 16;
    private static final byte NEWLINE = '\n';
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private final InputStream in;
    private final int source;
    private final long end;
    private final int maxLineBytes;
    private final boolean keep;
    private final byte[] buffer = new byte[BUFFER];
    private int at;
    private int filled;
    private boolean eof;
    /** Offset in the (decompressed) file of {@code buffer[at]}. */
    private long position;
    private long line;
    private byte[] current = new byte[256];

    private LineReader(InputStream in, int source, long position, long end, long firstLine, int maxLineBytes,
                       boolean keep) {
        this.in = in;
        this.source = source;
        this.position = position;
        this.end = end;
        this.line = firstLine;
        this.maxLineBytes = maxLineBytes;
        this.keep = keep;
    }

    /** Opens the split positioned at its first line (after the BOM, or after the line the previous split owns). */
    static LineReader open(FileSystem fs, LineSplit split, Compression compression, int maxLineBytes)
            throws IOException {
        return open(fs, split, compression, maxLineBytes, true);
    }

    /**
     * How many lines (blank ones included) the split owns: the same walk as reading it, without keeping bytes, so
     * the numbering of the next split agrees with what reading gives by construction.
     */
    static long countLines(FileSystem fs, LineSplit split, Compression compression) throws IOException {
        try (LineReader r = open(fs, split, compression, 0, false)) {
            long n = 0;
            while (r.advance() != null) {
                n++;
            }
            return n;
        }
    }

    private static LineReader open(FileSystem fs, LineSplit split, Compression compression, int maxLineBytes,
                                   boolean keep) throws IOException {
        FSDataInputStream raw = fs.open(new Path(split.path()));
        try {
            if (!compression.splittable()) {
                LineReader r = new LineReader(compression.open(raw), split.source(), 0, Long.MAX_VALUE,
                        split.firstLine(), maxLineBytes, keep);
                r.skipBom();
                return r;
            }
            if (split.start() == 0) {
                LineReader r = new LineReader(raw, split.source(), 0, split.end(), split.firstLine(), maxLineBytes,
                        keep);
                r.skipBom();
                return r;
            }
            // a line starts at `start` only if the byte before it ends the previous line
            raw.seek(split.start() - 1);
            LineReader r = new LineReader(raw, split.source(), split.start() - 1, split.end(), split.firstLine(),
                    maxLineBytes, keep);
            if (r.fill() && r.buffer[r.at] == NEWLINE) {
                r.at++;
                r.position++;
            } else {
                r.skipLine();
            }
            return r;
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** The next line this split owns, or null. */
    @Override
    RawLine advance() throws IOException {
        if (position >= end || !fill()) {
            return null;
        }
        long number = line++;
        long length = 0;
        boolean kept = keep;
        while (fill()) {
            int from = at;
            int i = from;
            while (i < filled && buffer[i] != NEWLINE) {
                i++;
            }
            int n = i - from;
            if (kept && length + n > maxLineBytes) {
                kept = false; // over the limit: count the rest of the line, keep none of it
            }
            if (kept) {
                if (length + n > current.length) {
                    current = Arrays.copyOf(current, (int) Math.min(maxLineBytes,
                            Math.max(length + n, 2L * current.length)));
                }
                System.arraycopy(buffer, from, current, (int) length, n);
            }
            length += n;
            boolean newline = i < filled;
            at = newline ? i + 1 : i;
            position += n + (newline ? 1 : 0);
            if (newline) {
                break;
            }
        }
        return new RawLine(source, number, kept ? Arrays.copyOf(current, (int) length) : null, length);
    }

    /** Consumes through the next newline (or to the end). */
    private void skipLine() throws IOException {
        while (fill()) {
            int i = at;
            while (i < filled && buffer[i] != NEWLINE) {
                i++;
            }
            boolean newline = i < filled;
            position += i - at + (newline ? 1 : 0);
            at = newline ? i + 1 : i;
            if (newline) {
                return;
            }
        }
    }

    /** The length of the UTF-8 byte order mark {@code head} starts with, or 0: skipped here and when sniffed. */
    static int bomLength(byte[] head, int length) {
        return length >= BOM.length && Arrays.equals(head, 0, BOM.length, BOM, 0, BOM.length) ? BOM.length : 0;
    }

    /** At the start of the file: reads until 3 bytes are in (or the file ends), then steps over a mark. */
    private void skipBom() throws IOException {
        while (!eof && filled < BOM.length) {
            int n = in.read(buffer, filled, buffer.length - filled);
            if (n < 0) {
                eof = true;
            } else {
                filled += n;
            }
        }
        at = bomLength(buffer, filled);
        position += at;
    }

    /** Whether a byte is available at {@code buffer[at]}, reading more when the buffer is used up. */
    private boolean fill() throws IOException {
        while (at >= filled) {
            if (eof) {
                return false;
            }
            int n = in.read(buffer, 0, buffer.length);
            if (n < 0) {
                eof = true;
                return false;
            }
            at = 0;
            filled = n;
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
