package org.lomospark.datasets.prepare;

/**
 * One line of an input file as its bytes, before any decoding: what every reader (JSONL split, JSON array,
 * Parquet row) hands to {@link Render}. Lives only inside a task; never shuffled.
 *
 * @param source its {@link InputFile}'s index in the job
 * @param line   1-based line number in the file (blank lines counted), element or row number
 * @param bytes  the line without its newline, or null when it was longer than the limit and not read
 * @param length the line's length in bytes, read or not
 */
record RawLine(int source, long line, byte[] bytes, long length) {
    boolean overLong() {
        return bytes == null;
    }
}
