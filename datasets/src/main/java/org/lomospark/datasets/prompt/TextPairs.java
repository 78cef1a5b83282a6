package org.lomospark.datasets.prompt;

import java.util.ArrayList;
import java.util.List;
import org.lomospark.datasets.tokenize.Tokenizer;

/**
 * Free-text prompts and answers (a DataFrame's columns, say) as tokens: prompt and answer tokenized each on its
 * own and joined, as {@link SuperGluePrompts} joins a rendered prompt and its answers, so a {@link Rendered}
 * question gives the same tokens through either. Nothing is cut: a row too long for the caller's limit is the
 * caller's to report.
 *
 * <p>A training example is {@code bos, prompt, answer, eos} with the loss on the answer and the eos, as in
 * {@link org.lomospark.datasets.instruct.ChatExamples}: a model fine-tuned on free text must also learn to stop.
 * A candidate is {@code bos, prompt, answer}, scored on the answer only.
 *
 * <pre>
 * TextPairs pairs = new TextPairs(new ByteTokenizer());
 * TrainingExample e = pairs.training("df", "row-7", "Is the sky blue?", " yes");
 * List&lt;Candidate&gt; c = pairs.candidates("df", "row-7", "Is the sky blue?", List.of(" yes", " no"));
 * </pre>
 */
public final class TextPairs {
    private final Tokenizer tokenizer;

    public TextPairs(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** What a model continues to answer {@code prompt}: {@code bos, prompt}, as the prompt of {@link #training}. */
    public int[] prompt(String prompt) {
        int[] p = tokenizer.encode(prompt);
        int[] tokens = new int[1 + p.length];
        tokens[0] = tokenizer.bos();
        System.arraycopy(p, 0, tokens, 1, p.length);
        return tokens;
    }

    /** Throws {@link IllegalArgumentException} for an answer with no tokens (nothing to learn). */
    public TrainingExample training(String task, String id, String prompt, String answer) {
        int[] p = tokenizer.encode(prompt);
        int[] a = tokenizer.encode(answer);
        if (a.length == 0) {
            throw new IllegalArgumentException(task + " " + id + ": the answer is empty, nothing to learn");
        }
        int[] tokens = new int[1 + p.length + a.length + 1];
        boolean[] mask = new boolean[tokens.length];
        tokens[0] = tokenizer.bos();
        System.arraycopy(p, 0, tokens, 1, p.length);
        System.arraycopy(a, 0, tokens, 1 + p.length, a.length);
        tokens[tokens.length - 1] = tokenizer.eos();
        for (int i = 1 + p.length; i < tokens.length; i++) {
            mask[i] = true;
        }
        return new TrainingExample(task, id, tokens, mask);
    }

    /**
     * One unlabeled candidate per answer, in order, sharing the prompt's tokens (encoded once). Throws
     * {@link IllegalArgumentException} naming the candidate when an answer has no tokens (nothing to score).
     */
    public List<Candidate> candidates(String task, String group, String prompt, List<String> answers) {
        int[] p = tokenizer.encode(prompt);
        List<Candidate> out = new ArrayList<>(answers.size());
        for (int i = 0; i < answers.size(); i++) {
            int[] a = tokenizer.encode(answers.get(i));
            if (a.length == 0) {
                throw new IllegalArgumentException(task + " " + group + ": candidate " + i
                        + " is empty, nothing to score");
            }
            int[] tokens = new int[1 + p.length + a.length];
            tokens[0] = tokenizer.bos();
            System.arraycopy(p, 0, tokens, 1, p.length);
            System.arraycopy(a, 0, tokens, 1 + p.length, a.length);
            // free text: the group is its own question, the answer its label, no gold
            out.add(new Candidate(task, group, i, -1, tokens, 1 + p.length, group, answers.get(i), List.of()));
        }
        return out;
    }
}
