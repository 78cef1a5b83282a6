package org.lomospark.datasets.prepare;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/** The raw lines of one input, read one ahead: {@link #advance} gives the next, or null at the end. */
abstract class Lines implements Iterator<RawLine>, Closeable {
    private RawLine next;
    private boolean done;

    abstract RawLine advance() throws IOException;

    @Override
    public final boolean hasNext() {
        if (next == null && !done) {
            try {
                next = advance();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            done = next == null;
        }
        return next != null;
    }

    @Override
    public final RawLine next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        RawLine out = next;
        next = null;
        return out;
    }
}
