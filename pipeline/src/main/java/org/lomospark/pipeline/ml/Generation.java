package org.lomospark.pipeline.ml;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.lomospark.datasets.instruct.ChatExamples;
import org.lomospark.datasets.instruct.ChatTemplate;
import org.lomospark.datasets.prompt.TextPairs;
import org.lomospark.datasets.tokenize.Tokenizer;
import org.lomospark.trainer.generate.GenerationSettings;
import org.lomospark.trainer.generate.Generator;
import org.lomospark.trainer.generate.Sampling;

/**
 * One partition of {@link LomoModel#generate}: its prompts tokenized as the model was trained on them (a plain
 * prompt as {@code bos, prompt}; with the chat template as an instruction's user turn and the assistant's prefix),
 * continued in batches on the task's device ({@link Generator}: a KV cache, greedy or seeded top-p, stopping at
 * eos), decoded, and appended to each row. A partition without rows loads nothing.
 */
final class Generation implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;

    /**
     * How to continue.
     *
     * @param temperature 0 for greedy, above 0 for top-p sampling at this temperature
     * @param chat whether prompts are instructions rendered with the chat template the instruction data used
     */
    record Settings(int maxNewTokens, double temperature, double topP, long seed, int batchSize, boolean chat)
            implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        Sampling sampling(long seedOfBatch) {
            return temperature == 0 ? Sampling.greedy() : Sampling.topP(temperature, topP, seedOfBatch);
        }
    }

    private final TaskModel model;
    private final int promptIndex;
    private final Settings settings;

    Generation(TaskModel model, int promptIndex, Settings settings) {
        this.model = model;
        this.promptIndex = promptIndex;
        this.settings = settings;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) throws Exception {
        List<Row> rows = new ArrayList<>();
        input.forEachRemaining(rows::add);
        if (rows.isEmpty()) {
            return rows.iterator();
        }
        Tokenizer t = model.tokenizer();
        TextPairs plain = new TextPairs(t);
        ChatExamples chat = settings.chat() ? new ChatExamples(ChatTemplate.defaults(), t) : null;
        List<int[]> prompts = new ArrayList<>(rows.size());
        for (Row r : rows) {
            if (r.isNullAt(promptIndex)) {
                throw new IllegalArgumentException("a row with a null prompt: " + r);
            }
            String prompt = r.getString(promptIndex);
            prompts.add(chat != null ? chat.prompt(prompt) : plain.prompt(prompt));
        }
        int partition = TaskContext.get().partitionId();
        List<int[]> continued = model.use(lm -> {
                    Generator g = new Generator(lm);
                    List<int[]> out = new ArrayList<>(prompts.size());
                    for (int from = 0; from < prompts.size(); from += settings.batchSize()) {
                        // a seed per batch, so a partition's draws do not depend on how Spark ordered the tasks
                        long seed = settings.seed() * 1_000_003L + partition * 65_537L + from;
                        out.addAll(g.generate(prompts.subList(from, Math.min(prompts.size(),
                                from + settings.batchSize())), new GenerationSettings(settings.maxNewTokens(),
                                settings.sampling(seed), Set.of(t.eos()), t.pad())));
                    }
                    return out;
                });
        List<Row> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            int[] ids = continued.get(i);
            // the eos a continuation ends with is not text
            if (ids.length > 0 && ids[ids.length - 1] == t.eos()) {
                ids = Arrays.copyOf(ids, ids.length - 1);
            }
            out.add(LomoParams.appended(rows.get(i), t.decode(ids)));
        }
        return out.iterator();
    }
}
