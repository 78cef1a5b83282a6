package org.lomospark.datasets.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lomospark.datasets.superglue.BoolQ;
import org.lomospark.datasets.superglue.Cb;
import org.lomospark.datasets.superglue.Copa;
import org.lomospark.datasets.superglue.MultiRc;
import org.lomospark.datasets.superglue.Record;
import org.lomospark.datasets.superglue.Rte;
import org.lomospark.datasets.superglue.Wic;
import org.lomospark.datasets.superglue.Wsc;
import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.datasets.tokenize.Tokenizer;

/** The paper's prompts on hand-made records, checked against the exact text and tokens. */
class SuperGluePromptsTest {
    private final SuperGluePrompts prompts = new SuperGluePrompts(PromptTemplates.paper());
    private final Tokenizer bytes = new ByteTokenizer();

    private static final List<String> YES_NO = List.of(" Yes", " No");

    @Test
    void boolQ() {
        assertEquals(List.of(new Rendered("BoolQ", "3", "Frogs croak at night. do frogs croak", YES_NO, 1)),
                prompts.render(new BoolQ(3, "Frogs croak at night.", "do frogs croak", false)));
    }

    @Test
    void cbHasThreeAnswers() {
        assertEquals(List.of(new Rendered("CB", "0", "It may rain.\nDoes this mean that \"It rains\" is true?"
                        + " Yes, No, or Maybe?", List.of(" Yes", " No", " Maybe"), 2)),
                prompts.render(new Cb(0, "It may rain.", "It rains", "neutral")));
    }

    @Test
    void rte() {
        assertEquals(List.of(new Rendered("RTE", "7", "Ann left.\nDoes this mean that \"Ann stayed\" is true?"
                        + " Yes or No?", YES_NO, 1)),
                prompts.render(new Rte(7, "Ann left.", "Ann stayed", "not_entailment")));
    }

    @Test
    void wic() {
        assertEquals(List.of(new Rendered("WiC", "1", "Does the word \"bank\" have the same meaning in these two"
                        + " sentences? Yes, No?\nOn the bank.\nAt the bank.", YES_NO, 0)),
                prompts.render(new Wic(1, "bank", "On the bank.", "At the bank.", 7, 11, 7, 11, true)));
    }

    @Test
    void wscAsksAboutThePronounThenTheNoun() {
        assertEquals(List.of(new Rendered("WSC", "2", "The cup fell because it was full.\nIn the previous sentence,"
                        + " does the pronoun \"it\" refer to \"The cup\"? Yes or No?", YES_NO, -1)),
                prompts.render(new Wsc(2, "The cup fell because it was full.",
                        new Wsc.Target("The cup", 0, "it", 3), null)));
    }

    @Test
    void copaWordingFollowsTheQuestion() {
        assertEquals(List.of(new Rendered("COPA", "4", "The step froze. because",
                        List.of(" It was cold.", " A cat passed."), 0)),
                prompts.render(new Copa(4, "The step froze.", "It was cold.", "A cat passed.", "cause", 0)));
        assertEquals(List.of(new Rendered("COPA", "5", "I forgot my umbrella. so",
                        List.of(" I got wet.", " The sun came out."), 1)),
                prompts.render(new Copa(5, "I forgot my umbrella.", "I got wet.", "The sun came out.", "effect", 1)));
    }

    @Test
    void multiRcAsksAboutEachAnswerOnItsOwn() {
        MultiRc rc = new MultiRc(5, "Rosa sold bread.", List.of(new MultiRc.Question(8, "What did Rosa sell?",
                List.of(new MultiRc.Answer(20, "Bread", 1), new MultiRc.Answer(21, "Fish", 0)))));
        String stem = "Rosa sold bread.\nQuestion: What did Rosa sell?\nI found this answer ";
        assertEquals(List.of(
                        new Rendered("MultiRC", "5/8/20", stem + "\"Bread\". Is that correct? Yes or No?", YES_NO, 0),
                        new Rendered("MultiRC", "5/8/21", stem + "\"Fish\". Is that correct? Yes or No?", YES_NO, 1)),
                prompts.render(rc));
    }

    @Test
    void recordFillsThePlaceholderWithEachDistinctEntity() {
        String passage = "Ann met Bo. Ann left.";
        List<Record.Entity> entities = List.of(
                new Record.Entity(0, 2), new Record.Entity(8, 9), new Record.Entity(12, 14));
        Record rec = new Record(9, passage, entities, List.of(
                new Record.Query(0, "Later @placeholder smiled.", List.of(new Record.Answer(8, 9, "Bo"))),
                new Record.Query(1, "@placeholder left first.", List.of())));
        // the space before the placeholder moves to the answers; a query starting with it leaves the newline there
        assertEquals(List.of(
                        new Rendered("ReCoRD", "9/0", passage + "\nLater", List.of(" Ann smiled.", " Bo smiled."), 1),
                        new Rendered("ReCoRD", "9/1", passage, List.of("\nAnn left first.", "\nBo left first."), -1)),
                prompts.render(rec));
    }

    private int[] utf8(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            ids[i] = b[i] & 0xFF;
        }
        return ids;
    }

    @Test
    void trainingLossIsExactlyOnTheAnswerTokens() {
        TrainingExample ex = prompts.training(new BoolQ(0, "Ice floats.", "does ice sink", false), bytes).get(0);
        assertEquals("BoolQ", ex.task());
        assertEquals("0", ex.id());
        int[] prompt = utf8("Ice floats. does ice sink");
        int[] expected = new int[1 + prompt.length + 3 + 1];
        expected[0] = 256;
        System.arraycopy(prompt, 0, expected, 1, prompt.length);
        expected[prompt.length + 1] = ' ';
        expected[prompt.length + 2] = 'N';
        expected[prompt.length + 3] = 'o';
        expected[prompt.length + 4] = 257;
        assertArrayEquals(expected, ex.tokens());
        for (int i = 0; i < expected.length; i++) {
            boolean answer = i >= prompt.length + 1 && i <= prompt.length + 3;
            assertEquals(answer, ex.lossMask()[i], "token " + i);
        }
    }

    @Test
    void trainingGivesOneExamplePerMultiRcAnswer() {
        MultiRc rc = new MultiRc(0, "P.", List.of(new MultiRc.Question(0, "Q?",
                List.of(new MultiRc.Answer(0, "A", 1), new MultiRc.Answer(1, "B", 0), new MultiRc.Answer(2, "C", 1)))));
        List<TrainingExample> examples = prompts.training(rc, bytes);
        assertEquals(List.of("0/0/0", "0/0/1", "0/0/2"), examples.stream().map(TrainingExample::id).toList());
        assertEquals(List.of(" Yes", " No", " Yes"), examples.stream().map(this::maskedText).toList());
    }

    private String maskedText(TrainingExample ex) {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < ex.tokens().length; i++) {
            if (ex.lossMask()[i]) {
                ids.append((char) ex.tokens()[i]);
            }
        }
        return ids.toString();
    }

    @Test
    void candidatesShareThePromptAndStartAtTheAnswer() {
        List<Candidate> rows = prompts.candidates(new Cb(1, "P.", "H", "contradiction"), bytes);
        assertEquals(3, rows.size());
        int[] prompt = utf8("P.\nDoes this mean that \"H\" is true? Yes, No, or Maybe?");
        for (int i = 0; i < 3; i++) {
            Candidate c = rows.get(i);
            assertEquals(List.of("CB", "1", i, 1, 1 + prompt.length),
                    List.of(c.task(), c.group(), c.candidate(), c.gold(), c.answerStart()));
            assertEquals(256, c.tokens()[0]);
            assertEquals(List.of(" Yes", " No", " Maybe").get(i),
                    bytes.decode(Arrays.copyOfRange(c.tokens(), c.answerStart(), c.tokens().length)));
        }
    }

    /** question, label and gold labels of each candidate row, in row order. */
    private static List<List<Object>> labels(List<Candidate> rows) {
        return rows.stream().map(c -> List.<Object>of(c.group(), c.question(), c.label(), c.goldLabels())).toList();
    }

    @Test
    void multiRcCandidatesBelongToTheirQuestionAndAreLabeledOneOrZero() {
        MultiRc rc = new MultiRc(5, "Rosa sold bread.", List.of(
                new MultiRc.Question(8, "What did Rosa sell?",
                        List.of(new MultiRc.Answer(20, "Bread", 1), new MultiRc.Answer(21, "Fish", 0))),
                new MultiRc.Question(9, "Who sold bread?", List.of(new MultiRc.Answer(0, "Rosa", null)))));
        assertEquals(List.of(
                        List.of("5/8/20", "5/8", "1", List.of("1")), List.of("5/8/20", "5/8", "0", List.of("1")),
                        List.of("5/8/21", "5/8", "1", List.of("0")), List.of("5/8/21", "5/8", "0", List.of("0")),
                        List.of("5/9/0", "5/9", "1", List.of()), List.of("5/9/0", "5/9", "0", List.of())),
                labels(prompts.candidates(rc, bytes)));
    }

    @Test
    void recordCandidatesAreLabeledByEntityWithEveryGoldAnswerText() {
        String passage = "Ann met Bo. Ann left.";
        List<Record.Entity> entities = List.of(
                new Record.Entity(0, 2), new Record.Entity(8, 9), new Record.Entity(12, 14));
        // "Ann" is the answer at two spans; "Bo." is a gold text that is no entity
        Record rec = new Record(9, passage, entities, List.of(
                new Record.Query(0, "Later @placeholder smiled.", List.of(new Record.Answer(0, 2, "Ann"),
                        new Record.Answer(12, 14, "Ann"), new Record.Answer(8, 10, "Bo."))),
                new Record.Query(1, "@placeholder left first.", List.of())));
        List<Candidate> rows = prompts.candidates(rec, bytes);
        List<String> gold = List.of("Ann", "Ann", "Bo.");
        assertEquals(List.of(
                        List.of("9/0", "9/0", "Ann", gold), List.of("9/0", "9/0", "Bo", gold),
                        List.of("9/1", "9/1", "Ann", List.of()), List.of("9/1", "9/1", "Bo", List.of())),
                labels(rows));
        assertEquals(List.of(0, 0, -1, -1), rows.stream().map(Candidate::gold).toList());
    }

    @Test
    void fixedAnswerAndCopaCandidatesAreLabeledAsTheDatasetSpellsTheirLabels() {
        assertEquals(List.of(List.of("1", "1", "entailment", List.of("contradiction")),
                        List.of("1", "1", "contradiction", List.of("contradiction")),
                        List.of("1", "1", "neutral", List.of("contradiction"))),
                labels(prompts.candidates(new Cb(1, "P.", "H", "contradiction"), bytes)));
        assertEquals(List.of(List.of("4", "4", "true", List.of("false")), List.of("4", "4", "false", List.of("false"))),
                labels(prompts.candidates(new BoolQ(4, "P.", "q", false), bytes)));
        assertEquals(List.of(List.of("4", "4", "0", List.of("1")), List.of("4", "4", "1", List.of("1"))),
                labels(prompts.candidates(new Copa(4, "P.", "A.", "B.", "cause", 1), bytes)));
        assertEquals(List.of(List.of("6", "6", "entailment", List.of()),
                        List.of("6", "6", "not_entailment", List.of())),
                labels(prompts.candidates(new Rte(6, "A.", "B", null), bytes)));
    }

    @Test
    void trainingOnAnUnlabeledRecordNamesIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> prompts.training(new Rte(6, "A.", "B", null), bytes));
        assertEquals("RTE 6: no gold answer to train on (test split, or a ReCoRD answer that is no entity)",
                e.getMessage());
    }
}
