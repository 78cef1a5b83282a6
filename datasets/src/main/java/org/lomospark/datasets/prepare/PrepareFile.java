package org.lomospark.datasets.prepare;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.input.PortableDataStream;
import org.apache.spark.sql.RowFactory;
import org.lomospark.datasets.jsonl.JsonlFile;
import org.lomospark.datasets.jsonl.Parsed;
import org.lomospark.datasets.prompt.Candidate;
import org.lomospark.datasets.prompt.PromptTemplates;
import org.lomospark.datasets.prompt.SuperGluePrompts;
import org.lomospark.datasets.prompt.TrainingExample;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueRecord;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.tokenize.Tokenizer;
import scala.Tuple2;

/**
 * On an executor: one task/split file to train or eval rows, a quarantine row for every line that gives none,
 * and one {@link Table#COUNTS} row. One tokenizer and one set of prompts per partition.
 */
final class PrepareFile implements FlatMapFunction<Iterator<Tuple2<String, PortableDataStream>>, Tagged> {
    private final SuperGlueTask task;
    private final Split split;
    private final String path;
    private final TokenizerKind tokenizer;

    PrepareFile(SuperGlueTask task, Split split, String path, TokenizerKind tokenizer) {
        this.task = task;
        this.split = split;
        this.path = path;
        this.tokenizer = tokenizer;
    }

    @Override
    public Iterator<Tagged> call(Iterator<Tuple2<String, PortableDataStream>> files) throws IOException {
        Tokenizer t = tokenizer.create();
        SuperGluePrompts prompts = new SuperGluePrompts(PromptTemplates.paper());
        List<Tagged> out = new ArrayList<>();
        while (files.hasNext()) {
            prepare(parse(files.next()._2()), t, prompts, out);
        }
        return out.iterator();
    }

    /**
     * JsonlFile reads a local file; a copy keeps its exact line rules (split on the newline byte, strict UTF-8,
     * blank lines skipped but counted) for a source on any Hadoop filesystem.
     */
    private List<Parsed<SuperGlueRecord>> parse(PortableDataStream source) throws IOException {
        Path local = Files.createTempFile("prepare-", ".jsonl");
        try {
            try (InputStream in = source.open()) {
                Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
            }
            return JsonlFile.read(local, task.parser());
        } finally {
            Files.deleteIfExists(local);
        }
    }

    private void prepare(List<Parsed<SuperGlueRecord>> parsed, Tokenizer t, SuperGluePrompts prompts,
                         List<Tagged> out) {
        long records = 0;
        long bad = 0;
        long rows = 0;
        long tokens = 0;
        int maxLength = 0;
        for (Parsed<SuperGlueRecord> p : parsed) {
            if (p instanceof Parsed.Bad<SuperGlueRecord> b) {
                out.add(quarantine(b.line(), b.reason()));
                bad++;
                continue;
            }
            SuperGlueRecord r = ((Parsed.Ok<SuperGlueRecord>) p).value();
            List<Tagged> made = new ArrayList<>();
            try {
                if (split == Split.TRAIN) {
                    for (TrainingExample e : prompts.training(r, t)) {
                        made.add(train(e));
                    }
                } else {
                    for (Candidate c : prompts.candidates(r, t)) {
                        made.add(eval(c));
                    }
                }
            } catch (IllegalArgumentException e) {
                // a record the prompts cannot render (a ReCoRD answer that is no entity) is a bad line, not a crash
                out.add(quarantine(p.line(), e.getMessage()));
                bad++;
                continue;
            }
            records++;
            for (Tagged m : made) {
                int length = m.row().getInt(m.table().schema.fieldIndex("length"));
                rows++;
                tokens += length;
                maxLength = Math.max(maxLength, length);
            }
            out.addAll(made);
        }
        out.add(new Tagged(Table.COUNTS, RowFactory.create(path, records, bad, rows, tokens, maxLength)));
    }

    private Tagged quarantine(long line, String reason) {
        return new Tagged(Table.QUARANTINE, RowFactory.create(path, line, reason));
    }

    // Spark's row encoder takes primitive arrays as they are (a java.util.List it would reject)
    private static Tagged train(TrainingExample e) {
        return tagged(Table.TRAIN, e.task(), e.id(), e.tokens(), e.lossMask(), e.tokens().length);
    }

    private Tagged eval(Candidate c) {
        return tagged(Table.EVAL, c.task(), split.name().toLowerCase(Locale.ROOT), c.group(),
                c.candidate(), c.gold(), c.tokens(), c.answerStart(), c.tokens().length);
    }

    private static Tagged tagged(Table table, Object... values) {
        return new Tagged(table, RowFactory.create(values));
    }
}
