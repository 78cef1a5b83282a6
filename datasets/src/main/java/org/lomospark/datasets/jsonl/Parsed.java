package org.lomospark.datasets.jsonl;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * The outcome of one non-blank line of a JSONL file: its value, or why it was rejected.
 *
 * <pre>
 * if (parsed instanceof Parsed.Bad&lt;BoolQ&gt; bad) log.warn(bad.describe());
 * </pre>
 */
public sealed interface Parsed<T> permits Parsed.Ok, Parsed.Bad {
    Path file();

    /** 1-based line number in {@link #file()}, counting blank lines. */
    long line();

    /** The same outcome with {@code f} applied to an {@link Ok}'s value; a {@link Bad} keeps its reason. */
    default <U> Parsed<U> map(Function<T, U> f) {
        if (this instanceof Ok<T> ok) {
            return new Ok<>(ok.file(), ok.line(), f.apply(ok.value()));
        }
        Bad<T> bad = (Bad<T>) this;
        return new Bad<>(bad.file(), bad.line(), bad.reason());
    }

    record Ok<T>(Path file, long line, T value) implements Parsed<T> {}

    record Bad<T>(Path file, long line, String reason) implements Parsed<T> {
        /** {@code file:line: reason}, the shape compilers use, so editors can jump to the line. */
        public String describe() {
            return file + ":" + line + ": " + reason;
        }

        @Override
        public String toString() {
            return describe();
        }
    }
}
