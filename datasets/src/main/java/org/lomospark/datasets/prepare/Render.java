package org.lomospark.datasets.prepare;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.lomospark.datasets.instruct.ChatExamples;
import org.lomospark.datasets.instruct.ChatTemplate;
import org.lomospark.datasets.instruct.Conversation;
import org.lomospark.datasets.jsonl.JsonLine;
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
 * On an executor, lazily, one line at a time: raw lines to keyed {@link Out}s for the shuffle. Each line is
 * decoded and parsed ({@link JsonLine}), sampled ({@link Draw}), rendered with the prompt or chat templates and
 * tokenized with the executor's one tokenizer; a line that gives no rows becomes a quarantine row with its reason.
 * After the last line, one {@link Out.Counts} per source the task saw. Memory follows the line: nothing is held
 * but the outputs of the line being rendered.
 */
final class Render implements PairFlatMapFunction<Iterator<RawLine>, Layout.Key, Out> {
    private static final long serialVersionUID = 1L;
    private final List<InputFile> sources;
    private final PrepareSpec spec;
    private final Broadcast<TokenizerSpec.Loaded> tokenizer;
    private final Draw draw;
    private final Layout layout;

    Render(List<InputFile> sources, PrepareSpec spec, Broadcast<TokenizerSpec.Loaded> tokenizer, Draw draw,
           Layout layout) {
        this.sources = List.copyOf(sources);
        this.spec = spec;
        this.tokenizer = tokenizer;
        this.draw = draw;
        this.layout = layout;
    }

    @Override
    public Iterator<Tuple2<Layout.Key, Out>> call(Iterator<RawLine> lines) {
        return new Outputs(lines, org.apache.spark.TaskContext.getPartitionId());
    }

    private final class Outputs implements Iterator<Tuple2<Layout.Key, Out>> {
        private final Iterator<RawLine> in;
        private final int task;
        private final Tokenizer t = tokenizer.value().tokenizer();
        private final JsonLine json = new JsonLine();
        private final SuperGluePrompts prompts = new SuperGluePrompts(PromptTemplates.paper());
        private final ChatExamples chat = new ChatExamples(ChatTemplate.defaults(), t);
        private final Map<Integer, Out.Counts> counts = new LinkedHashMap<>();
        private final ArrayDeque<Tuple2<Layout.Key, Out>> ready = new ArrayDeque<>();
        private boolean countsOut;

        Outputs(Iterator<RawLine> in, int task) {
            this.in = in;
            this.task = task;
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty()) {
                if (in.hasNext()) {
                    line(in.next());
                } else if (!countsOut) {
                    countsOut = true;
                    counts.values().forEach(c -> ready.add(new Tuple2<>(layout.counts(c.source, task), c)));
                } else {
                    return false;
                }
            }
            return true;
        }

        @Override
        public Tuple2<Layout.Key, Out> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void line(RawLine l) {
            InputFile in = sources.get(l.source());
            Out.Counts c = counts.computeIfAbsent(l.source(), Out.Counts::new);
            if (l.overLong()) {
                c.lines++;
                bad(c, l, "line of " + l.length() + " bytes is longer than maxLineBytes " + spec.maxLineBytes()
                        + "; not read");
                return;
            }
            JsonLine.Result<Object> r = in.parse(json, l);
            if (r == null) {
                return; // blank: numbered, not counted
            }
            c.lines++;
            if (!r.ok()) {
                bad(c, l, r.reason());
            } else if (!draw.keeps(in, l.source(), in.id(r.value()), l.line())) {
                c.skipped++;
            } else if (r.value() instanceof SuperGlueRecord record) {
                superGlue(in, c, l, record);
            } else {
                instruct(in, c, l, (Conversation) r.value());
            }
        }

        private void superGlue(InputFile in, Out.Counts c, RawLine l, SuperGlueRecord r) {
            boolean train = in.split() == Split.TRAIN;
            Fitted<?> fitted;
            try {
                fitted = train ? prompts.training(r, t, spec.maxLength()) : prompts.candidates(r, t, spec.maxLength());
            } catch (IllegalArgumentException e) {
                bad(c, l, e.getMessage()); // say, too long even with its passage cut to nothing
                return;
            }
            int row = 0;
            for (Object made : fitted.rows()) {
                if (made instanceof TrainingExample e) {
                    ready.add(new Tuple2<>(layout.train(l.source(), l.line(), row++),
                            new Out.Example(l.source(), e.task(), e.id(), e.tokens(), e.lossMask())));
                } else {
                    Candidate k = (Candidate) made;
                    int n = k.tokens().length;
                    int padded = (n + spec.evalBucket() - 1) / spec.evalBucket() * spec.evalBucket();
                    ready.add(new Tuple2<>(layout.eval(l.source(), l.line(), row++, padded),
                            new Out.Eval(k.task(), in.splitName(), k.group(), k.candidate(), k.gold(), k.tokens(),
                                    k.answerStart(), padded, k.question(), k.label(),
                                    k.goldLabels().toArray(String[]::new))));
                    c.eval(n, padded);
                }
            }
            c.truncated += fitted.truncated() ? 1 : 0;
            c.records++;
        }

        private void instruct(InputFile in, Out.Counts c, RawLine l, Conversation conversation) {
            TrainingExample e = chat.training(in.name(), conversation);
            int limit = spec.instructLimit();
            if (e.tokens().length > limit) {
                bad(c, l, "over-long: " + e.id() + " has " + e.tokens().length + " tokens, the limit is " + limit);
                return;
            }
            ready.add(new Tuple2<>(layout.train(l.source(), l.line(), 0),
                    new Out.Example(l.source(), e.task(), e.id(), e.tokens(), e.lossMask())));
            c.records++;
        }

        private void bad(Out.Counts c, RawLine l, String reason) {
            c.bad++;
            ready.add(new Tuple2<>(layout.bad(l.source(), l.line()),
                    new Out.Bad(sources.get(l.source()).path(), l.line(), reason)));
        }
    }
}
