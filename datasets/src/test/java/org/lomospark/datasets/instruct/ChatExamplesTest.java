package org.lomospark.datasets.instruct;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lomospark.datasets.prompt.TrainingExample;
import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.datasets.tokenize.Tokenizer;

class ChatExamplesTest {
    private static final Tokenizer BYTES = new ByteTokenizer();
    private static final ChatTemplate TEMPLATE = new ChatTemplate("S: ", "U: ", "A: ", "\n");
    private final ChatExamples chat = new ChatExamples(TEMPLATE, BYTES);

    /** Expected tokens and mask, built piece by piece: text pieces are ASCII, one token per char. */
    private static final class Expected {
        final List<Integer> tokens = new ArrayList<>();
        final List<Boolean> mask = new ArrayList<>();

        Expected special(int id, boolean inLoss) {
            tokens.add(id);
            mask.add(inLoss);
            return this;
        }

        Expected text(String ascii, boolean inLoss) {
            ascii.chars().forEach(c -> special(c, inLoss));
            return this;
        }

        void assertMatches(TrainingExample e) {
            assertArrayEquals(tokens.stream().mapToInt(Integer::intValue).toArray(), e.tokens());
            assertEquals(mask.size(), e.lossMask().length);
            for (int i = 0; i < mask.size(); i++) {
                assertEquals(mask.get(i), e.lossMask()[i], "mask at token " + i);
            }
        }
    }

    @Test
    void alpacaMasksOnlyTheOutputAndItsEos() {
        TrainingExample e = chat.training("alpaca", new Alpaca("Add.", "1 and 2", "3").conversation("a:1"));
        assertEquals("alpaca", e.task());
        assertEquals("a:1", e.id());
        new Expected().special(BYTES.bos(), false)
                .text("U: ", false).text("Add.\n\n1 and 2", false).text("\n", false)
                .text("A: ", false).text("3", true).special(BYTES.eos(), true)
                .assertMatches(e);
    }

    @Test
    void alpacaWithoutInputIsTheInstructionAlone() {
        TrainingExample e = chat.training("alpaca", new Alpaca("Hi.", "", "Yo").conversation("a:2"));
        new Expected().special(BYTES.bos(), false).text("U: Hi.\nA: ", false).text("Yo", true)
                .special(BYTES.eos(), true).assertMatches(e);
    }

    @Test
    void everyAssistantAnswerAndItsEosIsInTheLossNothingElse() {
        Conversation c = new Conversation("c7", List.of(new Turn(Role.SYSTEM, "Be brief."),
                new Turn(Role.USER, "Hi"), new Turn(Role.ASSISTANT, "Hello"),
                new Turn(Role.USER, "Bye"), new Turn(Role.ASSISTANT, "Ciao"),
                new Turn(Role.USER, "unanswered")));
        TrainingExample e = chat.training("sharegpt", c);
        assertEquals("c7", e.id());
        new Expected().special(BYTES.bos(), false)
                .text("S: Be brief.\n", false)
                .text("U: Hi\n", false)
                .text("A: ", false).text("Hello", true).special(BYTES.eos(), true).text("\n", false)
                .text("U: Bye\n", false)
                .text("A: ", false).text("Ciao", true).special(BYTES.eos(), true)
                .assertMatches(e);
    }

    @Test
    void defaultTemplateReadsAsPlainText() {
        ChatExamples plain = new ChatExamples(ChatTemplate.defaults(), BYTES);
        TrainingExample e = plain.training("sharegpt", new Conversation("p", List.of(
                new Turn(Role.SYSTEM, "Be terse."), new Turn(Role.USER, "Colour?"), new Turn(Role.ASSISTANT, "Red."))));
        int[] text = Arrays.copyOfRange(e.tokens(), 1, e.tokens().length - 1);
        assertEquals("### System:\nBe terse.\n\n### Instruction:\nColour?\n\n### Response:\nRed.", BYTES.decode(text));
    }
}
