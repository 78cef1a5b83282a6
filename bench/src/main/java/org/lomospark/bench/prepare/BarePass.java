package org.lomospark.bench.prepare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.lomospark.datasets.instruct.ChatExamples;
import org.lomospark.datasets.instruct.ChatTemplate;
import org.lomospark.datasets.instruct.Conversation;
import org.lomospark.datasets.jsonl.JsonLine;
import org.lomospark.datasets.prepare.InstructInput;
import org.lomospark.datasets.prompt.TrainingExample;
import org.lomospark.datasets.tokenize.Tokenizer;

/**
 * What the prepare job must do for an Alpaca file, without Spark: read it line by line as bytes, decode and parse
 * each line by the job's own rules ({@link JsonLine}, {@link InstructInput.Format#conversation}), render the
 * conversation with {@link ChatExamples}
 * and the default template, tokenize, count, keep nothing. The same rules as the job's reader
 * ({@link JsonLine}): lines split on the newline byte, blank lines skipped, a line that fails any step is bad,
 * and so is an example over {@code maxLength}, which the job quarantines.
 *
 * <pre>
 * Counts n = BarePass.run(Path.of("alpaca.jsonl"), "alpaca", new ByteTokenizer(), 2, 4096);
 * </pre>
 *
 * <p>On {@code threads} threads, each reading its own byte range of the file (a line belongs to the range it
 * starts in, as in Hadoop's splits) and sharing one tokenizer, as the job's tasks in one JVM share theirs. Nothing
 * is kept, so the heap stays small however large the file. Ids are line numbers within a range: an id is never
 * tokenized, so it changes no count. As a {@link ScaleBench} child its main writes the counts and the wall time
 * (the tokenizer's load not in it).
 */
public final class BarePass {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int READ_BYTES = 1 << 20;

    private BarePass() {}

    public static void main(String[] args) throws Exception {
        ScaleCase c = ScaleCase.parse(args);
        ObjectNode r = JSON.createObjectNode();
        try {
            // the job's own tokenizer construction, the one an executor makes from the broadcast files
            Tokenizer t = c.tokenizer().open(new Configuration());
            long started = System.nanoTime();
            Counts n = run(c.input(), ScaleCase.TASK, t, c.cores(), c.maxLength());
            r.put("bare_wall_s", ScaleJob.ms((System.nanoTime() - started) / 1e9));
            r.put("bare_tokens", n.tokens()).put("bare_records", n.records()).put("bare_bad", n.bad())
                    .put("bare_threads", c.cores()).put("outcome", "ok");
        } catch (Exception | Error e) {
            r.put("outcome", "failed: " + ScaleJob.firstLine(e));
            e.printStackTrace();
        }
        ChildJvm.writeResult(c, r);
    }

    static Counts run(Path file, String task, Tokenizer t, int threads, int maxLength) throws Exception {
        long size = Files.size(file);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Counts>> ranges = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                long from = size * i / threads;
                long to = size * (i + 1) / threads;
                ranges.add(pool.submit(() -> new Range(task, t, maxLength).count(file, from, to)));
            }
            Counts total = Counts.ZERO;
            for (Future<Counts> r : ranges) {
                total = total.plus(r.get());
            }
            return total;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } finally {
            pool.shutdownNow();
        }
    }

    /** One thread's lines: those that start in {@code [from, to)}. */
    private static final class Range {
        private final String task;
        private final int maxLength;
        private final ChatExamples chat;
        private final JsonLine json = new JsonLine();
        private byte[] line = new byte[1 << 14];
        private long records;
        private long bad;
        private long tokens;

        Range(String task, Tokenizer t, int maxLength) {
            this.task = task;
            this.maxLength = maxLength;
            this.chat = new ChatExamples(ChatTemplate.defaults(), t);
        }

        Counts count(Path file, long from, long to) throws IOException {
            try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                // the line under `from` belongs to the range before: skip to the byte after the next newline,
                // starting one byte early, so a newline just before `from` starts a line at `from`
                long pos = Math.max(0, from - 1);
                boolean skipping = from > 0;
                long lineStart = from;
                int size = 0;
                long number = 0;
                ByteBuffer buffer = ByteBuffer.allocate(READ_BYTES);
                for (int n = in.read(buffer, pos); n > 0; n = in.read(buffer, pos)) {
                    byte[] bytes = buffer.array();
                    for (int i = 0; i < n; i++) {
                        if (bytes[i] != '\n') {
                            if (!skipping) {
                                size = append(size, bytes[i]);
                            }
                            continue;
                        }
                        if (!skipping) {
                            accept(size, ++number);
                        }
                        skipping = false;
                        size = 0;
                        lineStart = pos + i + 1;
                        if (lineStart >= to) {
                            return counts();
                        }
                    }
                    pos += n;
                    buffer.clear();
                }
                if (!skipping && size > 0 && lineStart < to) {
                    accept(size, ++number); // a last line without a newline
                }
            }
            return counts();
        }

        private int append(int size, byte b) {
            if (size == line.length) {
                line = Arrays.copyOf(line, size * 2);
            }
            line[size] = b;
            return size + 1;
        }

        private void accept(int size, long number) {
            // the job's own line rules and record parser (JsonLine, the Alpaca format), then its chat rendering
            JsonLine.Result<Conversation> r = json.parse(line, size,
                    node -> InstructInput.Format.ALPACA.conversation(node, number));
            if (r == null) {
                return; // blank
            }
            if (!r.ok()) {
                bad++;
                return;
            }
            try {
                TrainingExample e = chat.training(task, r.value());
                if (e.tokens().length > maxLength) {
                    bad++; // the job quarantines it as over-long
                    return;
                }
                records++;
                tokens += e.tokens().length;
            } catch (IllegalArgumentException e) {
                bad++; // text that spells a special token
            }
        }

        private Counts counts() {
            return new Counts(records, bad, records, tokens);
        }
    }
}
