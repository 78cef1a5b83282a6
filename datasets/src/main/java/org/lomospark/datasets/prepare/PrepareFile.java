package org.lomospark.datasets.prepare;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.input.PortableDataStream;
import org.apache.spark.sql.RowFactory;
import org.lomospark.datasets.instruct.Alpaca;
import org.lomospark.datasets.instruct.ChatExamples;
import org.lomospark.datasets.instruct.ChatTemplate;
import org.lomospark.datasets.instruct.Conversation;
import org.lomospark.datasets.instruct.InstructFile;
import org.lomospark.datasets.jsonl.JsonlFile;
import org.lomospark.datasets.jsonl.Parsed;
import org.lomospark.datasets.prompt.Candidate;
import org.lomospark.datasets.prompt.Fitted;
import org.lomospark.datasets.prompt.PromptTemplates;
import org.lomospark.datasets.prompt.SuperGluePrompts;
import org.lomospark.datasets.prompt.TrainingExample;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueRecord;
import org.lomospark.datasets.tokenize.Tokenizer;
import scala.Tuple2;

/**
 * On an executor: one input file to train or eval rows, a quarantine row for every line that gives none, and one
 * {@link Table#COUNTS} row. The tokenizer is the executor's own ({@link TokenizerSpec.Loaded#tokenizer()}).
 *
 * <p>Per file: parse every line; draw the good records in {@link Sampling#key} order and render them until the
 * sample is full (a record that cannot be rendered, say too long even with its passage cut, is quarantined and
 * the next one drawn); the rest are counted as skipped. Rows come out in file order; instruction examples are
 * then packed when the spec asks.
 */
final class PrepareFile implements FlatMapFunction<Iterator<Tuple2<String, PortableDataStream>>, Tagged> {
    private static final long serialVersionUID = 1L;
    private final InputFile in;
    private final PrepareSpec spec;
    private final Broadcast<TokenizerSpec.Loaded> tokenizer;

    PrepareFile(InputFile in, PrepareSpec spec, Broadcast<TokenizerSpec.Loaded> tokenizer) {
        this.in = in;
        this.spec = spec;
        this.tokenizer = tokenizer;
    }

    @Override
    public Iterator<Tagged> call(Iterator<Tuple2<String, PortableDataStream>> files) throws IOException {
        Tokenizer t = tokenizer.value().tokenizer();
        List<Tagged> out = new ArrayList<>();
        while (files.hasNext()) {
            PortableDataStream source = files.next()._2();
            if (in.task() != null) {
                superGlue(source, t, out);
            } else {
                instruct(source, t, out);
            }
        }
        return out.iterator();
    }

    private void superGlue(PortableDataStream source, Tokenizer t, List<Tagged> out) throws IOException {
        SuperGluePrompts prompts = new SuperGluePrompts(PromptTemplates.paper());
        List<Parsed<SuperGlueRecord>> parsed = local(source, file -> JsonlFile.read(file, in.task().parser()));
        boolean train = in.split() == Split.TRAIN;
        Counts counts = new Counts();
        List<Made> made = draw(parsed, r -> Long.toString(r.idx()), (r, line) -> {
            List<Tagged> rows = new ArrayList<>();
            boolean truncated;
            if (train) {
                Fitted<TrainingExample> fitted = prompts.training(r, t, spec.maxLength());
                fitted.rows().forEach(e -> rows.add(train(e.task(), e.id(), e.tokens(), e.lossMask(),
                        new int[] {0})));
                truncated = fitted.truncated();
            } else {
                Fitted<Candidate> fitted = prompts.candidates(r, t, spec.maxLength());
                fitted.rows().forEach(c -> rows.add(eval(c)));
                truncated = fitted.truncated();
            }
            return new Made(line, rows, null, truncated);
        }, counts, out);
        for (Made m : made) {
            counts.add(m.rows());
            out.addAll(m.rows());
        }
        out.add(counts.row(in.path()));
    }

    private void instruct(PortableDataStream source, Tokenizer t, List<Tagged> out) throws IOException {
        ChatExamples chat = new ChatExamples(ChatTemplate.defaults(), t);
        List<Parsed<Conversation>> parsed = local(source, file -> switch (in.format()) {
            case ALPACA -> InstructFile.read(file, Alpaca::parse).stream()
                    .map(p -> p.map(a -> a.conversation(Long.toString(p.line()))))
                    .toList();
            case SHAREGPT -> InstructFile.read(file, Conversation::parse);
        });
        Counts counts = new Counts();
        List<Made> made = draw(parsed, Conversation::id, (c, line) -> {
            TrainingExample e = chat.training(in.name(), c);
            checkLength(e.id(), e.tokens().length, spec.instructLimit());
            return new Made(line, List.of(), e, false);
        }, counts, out);
        List<Tagged> rows = new ArrayList<>();
        if (spec.packLength() > 0) {
            for (Packing.Packed p : Packing.pack(in.name(), made.stream().map(Made::example).toList(),
                    spec.packLength())) {
                rows.add(train(in.name(), p.id(), p.tokens(), p.lossMask(), p.segments()));
            }
        } else {
            for (Made m : made) {
                TrainingExample e = m.example();
                rows.add(train(e.task(), e.id(), e.tokens(), e.lossMask(), new int[] {0}));
            }
        }
        counts.add(rows);
        out.addAll(rows);
        out.add(counts.row(in.path()));
    }

    /** What one kept record gave: rows, or (instruction data) an example still to be packed. */
    private record Made(long line, List<Tagged> rows, TrainingExample example, boolean truncated) {}

    @FunctionalInterface
    private interface Render<R> {
        /** Throws {@link IllegalArgumentException} for a record that gives no rows; the message says why. */
        Made make(R record, long line);
    }

    /**
     * Quarantines the bad lines, then renders the good records in draw order until the sample is full. Returns
     * what the kept records made, in file order.
     */
    private <R> List<Made> draw(List<Parsed<R>> parsed, Function<R, String> idOf, Render<R> render, Counts counts,
                                List<Tagged> out) {
        record Drawn<R>(long key, long line, R record) {}
        List<Drawn<R>> good = new ArrayList<>();
        for (Parsed<R> p : parsed) {
            counts.lines++;
            if (p instanceof Parsed.Bad<R> b) {
                out.add(quarantine(b.line(), b.reason()));
                counts.bad++;
            } else {
                R r = ((Parsed.Ok<R>) p).value();
                good.add(new Drawn<>(spec.sampling().key(in.name(), in.splitName(), idOf.apply(r)), p.line(), r));
            }
        }
        int limit = spec.sampling().limit(in.split() == Split.TRAIN);
        if (limit < good.size()) {
            good.sort(Comparator.comparingLong((Drawn<R> d) -> d.key()).thenComparingLong(Drawn::line));
        }
        List<Made> made = new ArrayList<>();
        for (Drawn<R> d : good) {
            if (made.size() == limit) {
                counts.skipped++;
                continue;
            }
            try {
                Made m = render.make(d.record(), d.line());
                made.add(m);
                counts.records++;
                counts.truncated += m.truncated() ? 1 : 0;
            } catch (IllegalArgumentException e) {
                out.add(quarantine(d.line(), e.getMessage()));
                counts.bad++;
            }
        }
        made.sort(Comparator.comparingLong(Made::line));
        return made;
    }

    private static void checkLength(String id, int length, int max) {
        if (length > max) {
            throw new IllegalArgumentException("over-long: " + id + " has " + length + " tokens, the limit is "
                    + max);
        }
    }

    @FunctionalInterface
    private interface Reader<T> {
        List<Parsed<T>> read(Path file) throws IOException;
    }

    /**
     * The readers take a local file; a copy keeps their exact line rules (split on the newline byte, strict
     * UTF-8, blank lines skipped but counted) for a source on any Hadoop filesystem.
     */
    private static <T> List<Parsed<T>> local(PortableDataStream source, Reader<T> reader) throws IOException {
        Path local = Files.createTempFile("prepare-", ".json");
        try {
            try (InputStream stream = source.open()) {
                Files.copy(stream, local, StandardCopyOption.REPLACE_EXISTING);
            }
            return reader.read(local);
        } finally {
            Files.deleteIfExists(local);
        }
    }

    private Tagged quarantine(long line, String reason) {
        return new Tagged(Table.QUARANTINE, RowFactory.create(in.path(), line, reason));
    }

    // Spark's row encoder takes arrays as they are (a java.util.List it would reject)
    private static Tagged train(String task, String id, int[] tokens, boolean[] mask, int[] segments) {
        return new Tagged(Table.TRAIN, RowFactory.create(task, id, tokens, mask, tokens.length, segments));
    }

    private Tagged eval(Candidate c) {
        int n = c.tokens().length;
        int bucket = spec.evalBucket();
        int padded = (n + bucket - 1) / bucket * bucket;
        return new Tagged(Table.EVAL, RowFactory.create(c.task(), in.splitName(), c.group(), c.candidate(),
                c.gold(), c.tokens(), c.answerStart(), n, padded, c.question(), c.label(),
                c.goldLabels().toArray(String[]::new)));
    }

    /** The file's {@link Table#COUNTS} row, filled as it goes. */
    private static final class Counts {
        long lines;
        long records;
        long bad;
        long skipped;
        long truncated;
        long rows;
        long tokens;
        int maxLength;

        void add(List<Tagged> made) {
            for (Tagged m : made) {
                int length = m.row().getInt(m.table().schema.fieldIndex("length"));
                rows++;
                tokens += length;
                maxLength = Math.max(maxLength, length);
            }
        }

        Tagged row(String path) {
            return new Tagged(Table.COUNTS, RowFactory.create(path, lines, records, bad, skipped, truncated, rows,
                    tokens, maxLength));
        }
    }
}
