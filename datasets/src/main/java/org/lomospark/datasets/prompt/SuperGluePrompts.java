package org.lomospark.datasets.prompt;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.lomospark.datasets.superglue.BoolQ;
import org.lomospark.datasets.superglue.Cb;
import org.lomospark.datasets.superglue.Copa;
import org.lomospark.datasets.superglue.MultiRc;
import org.lomospark.datasets.superglue.Record;
import org.lomospark.datasets.superglue.Rte;
import org.lomospark.datasets.superglue.SuperGlueRecord;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.superglue.Wic;
import org.lomospark.datasets.superglue.Wsc;
import org.lomospark.datasets.tokenize.Tokenizer;

/**
 * Turns SuperGLUE records into prompts: token sequences to train on, and candidates to score.
 *
 * <p>Per record: MultiRC gives one question per answer (Yes/No); ReCoRD one per query, its candidates the
 * passage's distinct entity texts in order of first mention (an entity named twice would only tie with itself),
 * gold the first whose text is a gold answer; COPA its two choices; the others their fixed answers. Prompt and
 * answer are tokenized separately and joined, see {@link Rendered} for where the whitespace goes.
 *
 * <pre>
 * SuperGluePrompts prompts = new SuperGluePrompts(PromptTemplates.paper());
 * List&lt;TrainingExample&gt; train = prompts.training(record, new ByteTokenizer());
 * </pre>
 */
public final class SuperGluePrompts {
    private final PromptTemplates templates;

    public SuperGluePrompts(PromptTemplates templates) {
        this.templates = templates;
    }

    /** One example per question of a labeled record, its gold answer in the loss. */
    public List<TrainingExample> training(SuperGlueRecord r, Tokenizer t) {
        List<TrainingExample> out = new ArrayList<>();
        for (Rendered q : render(r)) {
            if (q.gold() < 0) {
                throw new IllegalArgumentException(q.task() + " " + q.group()
                        + ": no gold answer to train on (test split, or a ReCoRD answer that is no entity)");
            }
            int[] prompt = t.encode(q.prompt());
            int[] answer = t.encode(q.answers().get(q.gold()));
            int[] tokens = join(t.bos(), prompt, answer, 1);
            tokens[tokens.length - 1] = t.eos();
            boolean[] mask = new boolean[tokens.length];
            for (int i = 1 + prompt.length; i < tokens.length - 1; i++) {
                mask[i] = true;
            }
            out.add(new TrainingExample(q.task(), q.group(), tokens, mask));
        }
        return out;
    }

    /** One row per candidate answer of every question of the record, labeled or not. */
    public List<Candidate> candidates(SuperGlueRecord r, Tokenizer t) {
        List<Candidate> out = new ArrayList<>();
        for (Rendered q : render(r)) {
            int[] prompt = t.encode(q.prompt());
            for (int i = 0; i < q.answers().size(); i++) {
                int[] tokens = join(t.bos(), prompt, t.encode(q.answers().get(i)), 0);
                out.add(new Candidate(q.task(), q.group(), i, q.gold(), tokens, 1 + prompt.length));
            }
        }
        return out;
    }

    /** {@code bos, prompt, answer} and {@code extra} free slots at the end. */
    private static int[] join(int bos, int[] prompt, int[] answer, int extra) {
        int[] tokens = new int[1 + prompt.length + answer.length + extra];
        tokens[0] = bos;
        System.arraycopy(prompt, 0, tokens, 1, prompt.length);
        System.arraycopy(answer, 0, tokens, 1 + prompt.length, answer.length);
        return tokens;
    }

    /** The record's questions as text. */
    public List<Rendered> render(SuperGlueRecord r) {
        if (r instanceof BoolQ x) {
            return fixed(SuperGlueTask.BOOLQ, x.idx(), Map.of("passage", x.passage(), "question", x.question()),
                    x.label());
        } else if (r instanceof Cb x) {
            return fixed(SuperGlueTask.CB, x.idx(), Map.of("premise", x.premise(), "hypothesis", x.hypothesis()),
                    x.label());
        } else if (r instanceof Rte x) {
            return fixed(SuperGlueTask.RTE, x.idx(), Map.of("premise", x.premise(), "hypothesis", x.hypothesis()),
                    x.label());
        } else if (r instanceof Wic x) {
            return fixed(SuperGlueTask.WIC, x.idx(),
                    Map.of("word", x.word(), "sentence1", x.sentence1(), "sentence2", x.sentence2()), x.label());
        } else if (r instanceof Wsc x) {
            return fixed(SuperGlueTask.WSC, x.idx(), Map.of("text", x.text(),
                    "span1_text", x.target().span1Text(), "span2_text", x.target().span2Text()), x.label());
        } else if (r instanceof Copa x) {
            return List.of(copa(x));
        } else if (r instanceof MultiRc x) {
            return multiRc(x);
        } else if (r instanceof Record x) {
            return record(x);
        }
        throw new IllegalArgumentException("no prompt for " + r.getClass().getSimpleName());
    }

    private List<Rendered> fixed(SuperGlueTask task, long idx, Map<String, String> fields, Object label) {
        TaskTemplate tt = templates.task(task);
        return List.of(Rendered.of(task.dirName(), String.valueOf(idx), tt.prompt(TaskTemplate.SINGLE, fields),
                tt.fixedAnswers(), tt.gold(label)));
    }

    private Rendered copa(Copa x) {
        TaskTemplate tt = templates.task(SuperGlueTask.COPA);
        String prompt = tt.prompt(x.question(), Map.of("premise", x.premise()));
        List<String> answers = List.of(tt.answer().render(Map.of("choice", x.choice1())),
                tt.answer().render(Map.of("choice", x.choice2())));
        return Rendered.of(SuperGlueTask.COPA.dirName(), String.valueOf(x.idx()), prompt, answers,
                x.label() == null ? -1 : x.label());
    }

    private List<Rendered> multiRc(MultiRc x) {
        TaskTemplate tt = templates.task(SuperGlueTask.MULTIRC);
        List<Rendered> out = new ArrayList<>();
        for (MultiRc.Question q : x.questions()) {
            for (MultiRc.Answer a : q.answers()) {
                String prompt = tt.prompt(TaskTemplate.SINGLE,
                        Map.of("paragraph", x.paragraphText(), "question", q.question(), "answer", a.text()));
                out.add(Rendered.of(SuperGlueTask.MULTIRC.dirName(), x.idx() + "/" + q.idx() + "/" + a.idx(),
                        prompt, tt.fixedAnswers(), tt.gold(a.label())));
            }
        }
        return out;
    }

    private List<Rendered> record(Record x) {
        TaskTemplate tt = templates.task(SuperGlueTask.RECORD);
        List<String> entities = List.copyOf(x.entities().stream()
                .map(e -> e.text(x.passageText()))
                .collect(Collectors.toCollection(LinkedHashSet::new)));
        List<Rendered> out = new ArrayList<>();
        for (Record.Query q : x.queries()) {
            int at = q.query().indexOf(Record.PLACEHOLDER);
            String before = q.query().substring(0, at);
            String after = q.query().substring(at + Record.PLACEHOLDER.length());
            String prompt = tt.prompt(TaskTemplate.SINGLE, Map.of("passage", x.passageText(), "query_before", before));
            List<String> answers = entities.stream()
                    .map(e -> tt.answer().render(Map.of("entity", e, "query_after", after)))
                    .toList();
            Set<String> gold = q.answers().stream().map(Record.Answer::text).collect(Collectors.toSet());
            int goldIndex = -1;
            for (int i = 0; i < entities.size() && goldIndex < 0; i++) {
                if (gold.contains(entities.get(i))) {
                    goldIndex = i;
                }
            }
            out.add(Rendered.of(SuperGlueTask.RECORD.dirName(), x.idx() + "/" + q.idx(), prompt, answers, goldIndex));
        }
        return out;
    }
}
