package org.lomospark.bench.prepare;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
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

/**
 * The prepare job's per-file work without Spark: read and parse each file, render its prompts, tokenize them,
 * count what came out, keep nothing. Files are taken in the given order by one worker thread per tokenizer, one
 * file at a time, as Spark schedules the job's one-file partitions over its cores; each worker has its own
 * tokenizer and prompts, as each of the job's partitions has. The tokenizers are the caller's to open and close,
 * so loading one is not timed.
 *
 * <pre>
 * Counts c = TokenizeAlone.run(files, List.of(new ByteTokenizer(), new ByteTokenizer()));
 * </pre>
 */
final class TokenizeAlone {
    /** One input file of the job: {@code <root>/<task dir>/<split>.jsonl}. */
    record File(SuperGlueTask task, Split split, Path path) {}

    private static final Counts BAD = new Counts(0, 1, 0, 0);

    private TokenizeAlone() {}

    static Counts run(List<File> files, List<Tokenizer> tokenizers) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(tokenizers.size());
        try {
            List<Future<Counts>> workers = new ArrayList<>();
            for (Tokenizer t : tokenizers) {
                workers.add(pool.submit(() -> work(files, next, t)));
            }
            Counts total = Counts.ZERO;
            for (Future<Counts> w : workers) {
                total = total.plus(w.get());
            }
            return total;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Counts work(List<File> files, AtomicInteger next, Tokenizer t) throws IOException {
        SuperGluePrompts prompts = new SuperGluePrompts(PromptTemplates.paper());
        Counts total = Counts.ZERO;
        for (int i = next.getAndIncrement(); i < files.size(); i = next.getAndIncrement()) {
            total = total.plus(count(files.get(i), t, prompts));
        }
        return total;
    }

    /** The counting of the job's {@code PrepareFile}: a record that cannot be rendered is a bad line. */
    private static Counts count(File f, Tokenizer t, SuperGluePrompts prompts) throws IOException {
        Counts total = Counts.ZERO;
        for (Parsed<SuperGlueRecord> p : JsonlFile.read(f.path(), f.task().parser())) {
            if (!(p instanceof Parsed.Ok<SuperGlueRecord> ok)) {
                total = total.plus(BAD);
                continue;
            }
            try {
                total = total.plus(f.split() == Split.TRAIN ? train(prompts.training(ok.value(), t))
                        : candidates(prompts.candidates(ok.value(), t)));
            } catch (IllegalArgumentException e) {
                total = total.plus(BAD);
            }
        }
        return total;
    }

    private static Counts train(List<TrainingExample> examples) {
        long tokens = 0;
        for (TrainingExample e : examples) {
            tokens += e.tokens().length;
        }
        return new Counts(1, 0, examples.size(), tokens);
    }

    private static Counts candidates(List<Candidate> candidates) {
        long tokens = 0;
        for (Candidate c : candidates) {
            tokens += c.tokens().length;
        }
        return new Counts(1, 0, candidates.size(), tokens);
    }
}
