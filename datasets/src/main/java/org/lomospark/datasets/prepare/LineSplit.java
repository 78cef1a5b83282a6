package org.lomospark.datasets.prepare;

import java.io.Serializable;

/**
 * A byte range of one input file that one task reads. The split owns every line that <em>starts</em> at an offset in
 * {@code [start, end)} (a line starts at 0 and after every newline byte), however far the line runs past
 * {@code end}; so the splits of a file own each line exactly once. {@code firstLine} is the 1-based number of
 * its first line, counted by a first pass over the earlier splits ({@link LineReader#countLines}), so that line
 * numbers stay exact however the file is split.
 */
record LineSplit(int source, String path, long start, long end, long firstLine) implements Serializable {
    private static final long serialVersionUID = 1L;

    LineSplit withFirstLine(long line) {
        return new LineSplit(source, path, start, end, line);
    }
}
