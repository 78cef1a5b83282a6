package org.lomospark.datasets.instruct;

import java.util.Arrays;
import java.util.List;
import org.lomospark.datasets.prompt.TrainingExample;
import org.lomospark.datasets.tokenize.Tokenizer;

/**
 * Renders conversations into {@link TrainingExample}s: {@code bos}, then every turn as {@link ChatTemplate}
 * lays it out, each piece tokenized on its own and joined.
 *
 * <p>The loss mask is true exactly on each assistant turn's text and the eos after it: the model learns to
 * answer and to stop. Unlike the SuperGLUE examples, the eos is in the loss here, because generation must end
 * on its own. Prefixes, suffixes, system and user text are context only. Turns after the last assistant turn
 * would carry no loss and are left out.
 *
 * <pre>
 * ChatExamples chat = new ChatExamples(ChatTemplate.defaults(), new ByteTokenizer());
 * TrainingExample a = chat.training("alpaca", alpaca.conversation("alpaca.json:3"));
 * TrainingExample c = chat.training("sharegpt", conversation);
 * </pre>
 */
public final class ChatExamples {
    private final ChatTemplate template;
    private final Tokenizer tokenizer;

    public ChatExamples(ChatTemplate template, Tokenizer tokenizer) {
        this.template = template;
        this.tokenizer = tokenizer;
    }

    /**
     * What an instruction model continues to answer one user turn: {@code bos}, the user turn and the assistant's
     * prefix, tokenized piece by piece as {@link #training} renders them, so the model sees its training layout.
     */
    public int[] prompt(String userText) {
        Sequence out = new Sequence();
        out.add(tokenizer.bos(), false);
        out.add(tokenizer.encode(template.prefix(Role.USER)), false);
        out.add(tokenizer.encode(userText), false);
        out.add(tokenizer.encode(template.turnSuffix()), false);
        out.add(tokenizer.encode(template.prefix(Role.ASSISTANT)), false);
        return out.tokens();
    }

    /** The example of {@code c}, its id {@link Conversation#id()}. */
    public TrainingExample training(String task, Conversation c) {
        List<Turn> turns = c.turns();
        int last = turns.size() - 1;
        while (turns.get(last).role() != Role.ASSISTANT) {
            last--;
        }
        Sequence out = new Sequence();
        out.add(tokenizer.bos(), false);
        for (int i = 0; i <= last; i++) {
            Turn turn = turns.get(i);
            boolean answer = turn.role() == Role.ASSISTANT;
            out.add(tokenizer.encode(template.prefix(turn.role())), false);
            out.add(tokenizer.encode(turn.text()), answer);
            if (answer) {
                out.add(tokenizer.eos(), true);
            }
            if (i < last) {
                out.add(tokenizer.encode(template.turnSuffix()), false);
            }
        }
        return new TrainingExample(task, c.id(), out.tokens(), out.mask());
    }

    /** Tokens with their mask bits, grown as the turns are rendered. */
    private static final class Sequence {
        private int[] tokens = new int[256];
        private boolean[] mask = new boolean[256];
        private int size;

        void add(int[] ids, boolean inLoss) {
            for (int id : ids) {
                add(id, inLoss);
            }
        }

        void add(int id, boolean inLoss) {
            if (size == tokens.length) {
                tokens = Arrays.copyOf(tokens, size * 2);
                mask = Arrays.copyOf(mask, size * 2);
            }
            tokens[size] = id;
            mask[size] = inLoss;
            size++;
        }

        int[] tokens() {
            return Arrays.copyOf(tokens, size);
        }

        boolean[] mask() {
            return Arrays.copyOf(mask, size);
        }
    }
}
