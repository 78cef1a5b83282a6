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
 * answer are tokenized separately and joined, see {@link Rendered} for where the whitespace goes. Each candidate
 * also carries its label, its question and the gold labels (see {@link Candidate}) for the metrics that compare
 * answers: MultiRC's per question, ReCoRD's against every gold answer text.
 *
 * <p>With a {@code maxLength}, a question whose row would be longer keeps only the beginning of its passage
 * (BoolQ's and ReCoRD's passage, MultiRC's paragraph, CB's and RTE's premise, WSC's text): the longest prefix
 * ending at a word, before whitespace, with which the row fits, nothing appended; only when not even the first
 * word fits, a prefix of that word. The rest of the prompt and every answer stay whole. A training row counts
 * bos, prompt, answer and eos; the candidates of one question share one prompt, cut for the longest of them. A
 * question that does not fit with its passage cut to nothing, or has no passage (COPA, WiC), is a
 * {@link TooLongException}. A record that fits gives the same tokens as without a limit.
 *
 * <pre>
 * SuperGluePrompts prompts = new SuperGluePrompts(PromptTemplates.paper());
 * List&lt;TrainingExample&gt; train = prompts.training(record, new ByteTokenizer());
 * Fitted&lt;Candidate&gt; eval = prompts.candidates(record, new ByteTokenizer(), 512);  // eval.cuts(): what was cut
 * </pre>
 */
public final class SuperGluePrompts {
    /** bos and one answer token: a candidate row can be no shorter. */
    private static final int MIN_MAX_LENGTH = 2;

    private final PromptTemplates templates;

    public SuperGluePrompts(PromptTemplates templates) {
        this.templates = templates;
    }

    /** One example per question of a labeled record, its gold answer in the loss; no length limit. */
    public List<TrainingExample> training(SuperGlueRecord r, Tokenizer t) {
        return training(r, t, Integer.MAX_VALUE).rows();
    }

    /** One example per question of a labeled record, each at most {@code maxLength} tokens, eos included. */
    public Fitted<TrainingExample> training(SuperGlueRecord r, Tokenizer t, int maxLength) {
        checkMaxLength(maxLength);
        List<TrainingExample> out = new ArrayList<>();
        List<Fitted.Cut> cuts = new ArrayList<>();
        for (Question question : questions(r)) {
            Rendered q = question.whole();
            if (q.gold() < 0) {
                throw new IllegalArgumentException(q.task() + " " + q.group()
                        + ": no gold answer to train on (test split, or a ReCoRD answer that is no entity)");
            }
            int[] answer = t.encode(q.answers().get(q.gold()));
            Question.Fit fit = question.fit(t, 1 + answer.length + 1, maxLength);
            int[] prompt = fit.prompt();
            int[] tokens = join(t.bos(), prompt, answer, 1);
            tokens[tokens.length - 1] = t.eos();
            boolean[] mask = new boolean[tokens.length];
            for (int i = 1 + prompt.length; i < tokens.length - 1; i++) {
                mask[i] = true;
            }
            out.add(new TrainingExample(q.task(), q.group(), tokens, mask));
            if (fit.cut() != null) {
                cuts.add(fit.cut());
            }
        }
        return new Fitted<>(out, cuts);
    }

    /** One row per candidate answer of every question of the record, labeled or not; no length limit. */
    public List<Candidate> candidates(SuperGlueRecord r, Tokenizer t) {
        return candidates(r, t, Integer.MAX_VALUE).rows();
    }

    /**
     * One row per candidate answer of every question of the record, labeled or not, each at most
     * {@code maxLength} tokens; the candidates of a question share the same prompt tokens.
     */
    public Fitted<Candidate> candidates(SuperGlueRecord r, Tokenizer t, int maxLength) {
        checkMaxLength(maxLength);
        List<Candidate> out = new ArrayList<>();
        List<Fitted.Cut> cuts = new ArrayList<>();
        for (Question question : questions(r)) {
            Rendered q = question.whole();
            List<int[]> answers = q.answers().stream().map(t::encode).toList();
            int longest = answers.stream().mapToInt(a -> a.length).max().orElseThrow();
            Question.Fit fit = question.fit(t, 1 + longest, maxLength);
            int[] prompt = fit.prompt();
            Labels labels = question.labels();
            for (int i = 0; i < answers.size(); i++) {
                int[] tokens = join(t.bos(), prompt, answers.get(i), 0);
                out.add(new Candidate(q.task(), q.group(), i, q.gold(), tokens, 1 + prompt.length,
                        labels.question(), labels.labels().get(i), labels.gold()));
            }
            if (fit.cut() != null) {
                cuts.add(fit.cut());
            }
        }
        return new Fitted<>(out, cuts);
    }

    private static void checkMaxLength(int maxLength) {
        if (maxLength < MIN_MAX_LENGTH) {
            throw new IllegalArgumentException("max_length " + maxLength + " is below " + MIN_MAX_LENGTH
                    + ": a row holds at least bos and one answer token");
        }
    }

    /** {@code bos, prompt, answer} and {@code extra} free slots at the end. */
    private static int[] join(int bos, int[] prompt, int[] answer, int extra) {
        int[] tokens = new int[1 + prompt.length + answer.length + extra];
        tokens[0] = bos;
        System.arraycopy(prompt, 0, tokens, 1, prompt.length);
        System.arraycopy(answer, 0, tokens, 1 + prompt.length, answer.length);
        return tokens;
    }

    /** The record's questions as text, nothing cut. */
    public List<Rendered> render(SuperGlueRecord r) {
        return questions(r).stream().map(Question::whole).toList();
    }

    private List<Question> questions(SuperGlueRecord r) {
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

    private List<Question> fixed(SuperGlueTask task, long idx, Map<String, String> fields, Object label) {
        TaskTemplate tt = templates.task(task);
        String group = String.valueOf(idx);
        return List.of(new Question(task, group, tt.prompt(TaskTemplate.SINGLE), fields, tt.fixedAnswers(),
                tt.gold(label), Labels.single(group, tt.labels(), label)));
    }

    private Question copa(Copa x) {
        TaskTemplate tt = templates.task(SuperGlueTask.COPA);
        List<String> answers = List.of(tt.answer().render(Map.of("choice", x.choice1())),
                tt.answer().render(Map.of("choice", x.choice2())));
        String group = String.valueOf(x.idx());
        // COPA's label is the index of the right choice
        return new Question(SuperGlueTask.COPA, group, tt.prompt(x.question()), Map.of("premise", x.premise()),
                answers, x.label() == null ? -1 : x.label(), Labels.single(group, List.of("0", "1"), x.label()));
    }

    private List<Question> multiRc(MultiRc x) {
        TaskTemplate tt = templates.task(SuperGlueTask.MULTIRC);
        List<Question> out = new ArrayList<>();
        for (MultiRc.Question q : x.questions()) {
            String question = x.idx() + "/" + q.idx();
            for (MultiRc.Answer a : q.answers()) {
                List<String> gold = a.label() == null ? List.of() : List.of(String.valueOf(a.label()));
                out.add(new Question(SuperGlueTask.MULTIRC, question + "/" + a.idx(),
                        tt.prompt(TaskTemplate.SINGLE),
                        Map.of("paragraph", x.paragraphText(), "question", q.question(), "answer", a.text()),
                        tt.fixedAnswers(), tt.gold(a.label()), new Labels(question, tt.labels(), gold)));
            }
        }
        return out;
    }

    private List<Question> record(Record x) {
        TaskTemplate tt = templates.task(SuperGlueTask.RECORD);
        List<String> entities = List.copyOf(x.entities().stream()
                .map(e -> e.text(x.passageText()))
                .collect(Collectors.toCollection(LinkedHashSet::new)));
        List<Question> out = new ArrayList<>();
        for (Record.Query q : x.queries()) {
            int at = q.query().indexOf(Record.PLACEHOLDER);
            String before = q.query().substring(0, at);
            String after = q.query().substring(at + Record.PLACEHOLDER.length());
            List<String> answers = entities.stream()
                    .map(e -> tt.answer().render(Map.of("entity", e, "query_after", after)))
                    .toList();
            List<String> goldTexts = q.answers().stream().map(Record.Answer::text).toList();
            Set<String> gold = Set.copyOf(goldTexts);
            int goldIndex = -1;
            for (int i = 0; i < entities.size() && goldIndex < 0; i++) {
                if (gold.contains(entities.get(i))) {
                    goldIndex = i;
                }
            }
            String group = x.idx() + "/" + q.idx();
            out.add(new Question(SuperGlueTask.RECORD, group, tt.prompt(TaskTemplate.SINGLE),
                    Map.of("passage", x.passageText(), "query_before", before), answers, goldIndex,
                    new Labels(group, entities, goldTexts)));
        }
        return out;
    }
}
