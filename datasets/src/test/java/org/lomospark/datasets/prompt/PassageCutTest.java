package org.lomospark.datasets.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.lomospark.datasets.superglue.BoolQ;
import org.lomospark.datasets.superglue.Cb;
import org.lomospark.datasets.superglue.Copa;
import org.lomospark.datasets.superglue.MultiRc;
import org.lomospark.datasets.superglue.Record;
import org.lomospark.datasets.superglue.Rte;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueRecord;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.superglue.Wic;
import org.lomospark.datasets.superglue.Wsc;
import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.datasets.tokenize.HfTokenizer;
import org.lomospark.datasets.tokenize.Tokenizer;

/**
 * The length limit, at every limit from too small to roomy: the expected passage prefix is found here by trying
 * every word prefix from the longest down, with the prompts written out by hand, not through the templates.
 */
class PassageCutTest {
    /** Multi-byte "é": chars cut and byte tokens saved differ. */
    private static final String PASSAGE = "Rosa baked rye bread every morning before dawn, and the whole street"
            + " woke to its smell while the café opened.";
    private static final List<String> YES_NO = List.of(" Yes", " No");
    private static final Pattern WORD = Pattern.compile("\\S+");

    private final SuperGluePrompts prompts = new SuperGluePrompts(PromptTemplates.paper());
    private final Tokenizer bytes = new ByteTokenizer();

    @TempDir
    Path dir;

    /** One question as this test writes it out: its prompt around any passage prefix, its answers, its gold. */
    private record Expected(String group, UnaryOperator<String> promptOf, List<String> answers, int gold) {}

    /** A record whose passage-like field is {@code passage}; {@code field} is that field's template name. */
    private record Case(String task, String field, SuperGlueRecord record, String passage, List<Expected> questions) {
        @Override
        public String toString() {
            return task;
        }
    }

    private static String rte(String premise, String hypothesis) {
        return premise + "\nDoes this mean that \"" + hypothesis + "\" is true? Yes or No?";
    }

    private static String multiRc(String paragraph, String answer) {
        return paragraph + "\nQuestion: What did Rosa bake?\nI found this answer \"" + answer
                + "\". Is that correct? Yes or No?";
    }

    static Stream<Case> passageTasks() {
        String longAnswer = "Rye bread, every single morning before dawn";
        int rye = PASSAGE.indexOf("rye bread");
        int cafe = PASSAGE.indexOf("café");
        Record record = new Record(9, PASSAGE,
                List.of(new Record.Entity(0, 3), new Record.Entity(rye, rye + 8), new Record.Entity(cafe, cafe + 3)),
                List.of(new Record.Query(0, "Later @placeholder smiled.",
                                List.of(new Record.Answer(rye, rye + 8, "rye bread"))),
                        new Record.Query(1, "@placeholder left first.", List.of(new Record.Answer(0, 3, "Rosa")))));
        return Stream.of(
                new Case("BoolQ", "passage", new BoolQ(3, PASSAGE, "did Rosa bake bread", true), PASSAGE,
                        List.of(new Expected("3", p -> p + " did Rosa bake bread", YES_NO, 0))),
                new Case("CB", "premise", new Cb(0, PASSAGE, "Rosa bakes", "neutral"), PASSAGE,
                        List.of(new Expected("0", p -> p + "\nDoes this mean that \"Rosa bakes\" is true?"
                                + " Yes, No, or Maybe?", List.of(" Yes", " No", " Maybe"), 2))),
                new Case("RTE", "premise", new Rte(17, PASSAGE, "Rosa bakes", "entailment"), PASSAGE,
                        List.of(new Expected("17", p -> rte(p, "Rosa bakes"), YES_NO, 0))),
                new Case("WSC", "text", new Wsc(2, PASSAGE, new Wsc.Target("Rosa", 0, "its", 14), false), PASSAGE,
                        List.of(new Expected("2", p -> p + "\nIn the previous sentence, does the pronoun \"its\""
                                + " refer to \"Rosa\"? Yes or No?", YES_NO, 1))),
                // two answers of different length: each question is cut on its own
                new Case("MultiRC", "paragraph", new MultiRc(5, PASSAGE, List.of(new MultiRc.Question(8,
                        "What did Rosa bake?", List.of(new MultiRc.Answer(20, "Bread", 1),
                                new MultiRc.Answer(21, longAnswer, 0))))), PASSAGE,
                        List.of(new Expected("5/8/20", p -> multiRc(p, "Bread"), YES_NO, 0),
                                new Expected("5/8/21", p -> multiRc(p, longAnswer), YES_NO, 1))),
                // the second query starts at its placeholder: the newline after the passage goes to the answers
                new Case("ReCoRD", "passage", record, PASSAGE, List.of(
                        new Expected("9/0", p -> p + "\nLater",
                                List.of(" Rosa smiled.", " rye bread smiled.", " café smiled."), 1),
                        new Expected("9/1", p -> p,
                                List.of("\nRosa left first.", "\nrye bread left first.", "\ncafé left first."), 0))));
    }

    /**
     * The passage prefix that should be kept: the whole passage if it fits, else the longest prefix ending at a
     * word that is followed by whitespace, else the longest prefix of the first word in whole characters.
     */
    private static String kept(String passage, Predicate<String> fits) {
        if (fits.test(passage)) {
            return passage;
        }
        List<String> prefixes = new ArrayList<>();
        Matcher words = WORD.matcher(passage);
        while (words.find()) {
            if (words.end() < passage.length()) {
                prefixes.add(passage.substring(0, words.end()));
            }
        }
        for (int i = prefixes.size() - 1; i >= 0; i--) {
            if (fits.test(prefixes.get(i))) {
                return prefixes.get(i);
            }
        }
        Matcher first = WORD.matcher(passage);
        first.find();
        String word = first.group();
        for (int n = word.codePointCount(0, word.length()) - 1; n >= 1; n--) {
            String prefix = passage.substring(0, first.start() + word.offsetByCodePoints(0, n));
            if (fits.test(prefix)) {
                return prefix;
            }
        }
        return "";
    }

    private static int[] concat(int[]... parts) {
        return Stream.of(parts).flatMapToInt(IntStream::of).toArray();
    }

    /** bos, prompt, gold answer, eos. */
    private static int trainingLength(Tokenizer t, Expected q, String passage) {
        return 1 + t.encode(q.promptOf().apply(passage)).length + t.encode(q.answers().get(q.gold())).length + 1;
    }

    /** bos, prompt, the longest answer. */
    private static int candidateLength(Tokenizer t, Expected q, String passage) {
        int longest = q.answers().stream().mapToInt(a -> t.encode(a).length).max().orElseThrow();
        return 1 + t.encode(q.promptOf().apply(passage)).length + longest;
    }

    private interface Length {
        int of(Tokenizer t, Expected q, String passage);
    }

    /** The refusal expected at {@code max}: for the first question that is too long with nothing of the passage. */
    private static String tooLong(Case c, Tokenizer t, Length length, int max) {
        for (Expected q : c.questions()) {
            int bare = length.of(t, q, "");
            if (bare > max) {
                return "over-long: " + c.task() + " " + q.group() + " needs " + bare + " tokens with the "
                        + c.field() + " cut to nothing; max_length " + max;
            }
        }
        return null;
    }

    private static Fitted.Cut cut(Tokenizer t, Case c, Expected q, String kept) {
        return new Fitted.Cut(q.group(), c.passage().length() - kept.length(),
                t.encode(q.promptOf().apply(c.passage())).length - t.encode(q.promptOf().apply(kept)).length);
    }

    /** Checks the training rows of {@code c} at {@code max} token by token; the number of cut questions. */
    private int checkTraining(Case c, Tokenizer t, int max) {
        String refusal = tooLong(c, t, PassageCutTest::trainingLength, max);
        if (refusal != null) {
            assertEquals(refusal, assertThrows(TooLongException.class,
                    () -> prompts.training(c.record(), t, max)).getMessage());
            return 0;
        }
        Fitted<TrainingExample> fitted = prompts.training(c.record(), t, max);
        assertEquals(c.questions().size(), fitted.rows().size());
        List<Fitted.Cut> cuts = new ArrayList<>();
        for (int i = 0; i < c.questions().size(); i++) {
            Expected q = c.questions().get(i);
            TrainingExample row = fitted.rows().get(i);
            String where = c + " " + q.group() + " max " + max;
            String kept = kept(c.passage(), p -> trainingLength(t, q, p) <= max);
            int[] prompt = t.encode(q.promptOf().apply(kept));
            int[] answer = t.encode(q.answers().get(q.gold()));
            assertEquals(q.group(), row.id());
            assertArrayEquals(concat(new int[] {t.bos()}, prompt, answer, new int[] {t.eos()}), row.tokens(), where);
            assertTrue(row.tokens().length <= max, where);
            for (int k = 0; k < row.tokens().length; k++) {
                assertEquals(k > prompt.length && k <= prompt.length + answer.length, row.lossMask()[k],
                        where + " token " + k);
            }
            if (!kept.equals(c.passage())) {
                cuts.add(cut(t, c, q, kept));
            }
        }
        assertEquals(cuts, fitted.cuts(), c.toString());
        assertEquals(!cuts.isEmpty(), fitted.truncated());
        return cuts.size();
    }

    @ParameterizedTest
    @MethodSource("passageTasks")
    void trainingKeepsTheLongestPassagePrefixThatFitsAndTheQuestionAndAnswerWhole(Case c) {
        int whole = c.questions().stream().mapToInt(q -> trainingLength(bytes, q, c.passage())).max().orElseThrow();
        int cutQuestions = 0;
        for (int max = 2; max <= whole + 1; max++) {
            cutQuestions += checkTraining(c, bytes, max);
        }
        assertTrue(cutQuestions > 0, "no limit in the sweep cut anything");
    }

    @ParameterizedTest
    @MethodSource("passageTasks")
    void candidatesOfAQuestionShareOnePromptCutForTheLongest(Case c) {
        int whole = c.questions().stream().mapToInt(q -> candidateLength(bytes, q, c.passage())).max().orElseThrow();
        for (int max = 2; max <= whole + 1; max++) {
            String refusal = tooLong(c, bytes, PassageCutTest::candidateLength, max);
            int limit = max;
            if (refusal != null) {
                assertEquals(refusal, assertThrows(TooLongException.class,
                        () -> prompts.candidates(c.record(), bytes, limit)).getMessage());
                continue;
            }
            Fitted<Candidate> fitted = prompts.candidates(c.record(), bytes, max);
            List<Fitted.Cut> cuts = new ArrayList<>();
            int row = 0;
            for (Expected q : c.questions()) {
                String kept = kept(c.passage(), p -> candidateLength(bytes, q, p) <= limit);
                int[] prompt = bytes.encode(q.promptOf().apply(kept));
                int longest = 0;
                for (int i = 0; i < q.answers().size(); i++) {
                    Candidate cand = fitted.rows().get(row++);
                    String where = c + " " + q.group() + " candidate " + i + " max " + max;
                    assertEquals(List.of(q.group(), i, q.gold(), 1 + prompt.length),
                            List.of(cand.group(), cand.candidate(), cand.gold(), cand.answerStart()), where);
                    assertArrayEquals(concat(new int[] {bytes.bos()}, prompt, bytes.encode(q.answers().get(i))),
                            cand.tokens(), where);
                    longest = Math.max(longest, cand.tokens().length);
                }
                assertTrue(longest <= max, c + " max " + max);
                if (!kept.equals(c.passage())) {
                    cuts.add(cut(bytes, c, q, kept));
                }
            }
            assertEquals(row, fitted.rows().size());
            assertEquals(cuts, fitted.cuts(), c + " max " + max);
        }
    }

    private static void assertSameTraining(List<TrainingExample> expected, List<TrainingExample> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).id(), actual.get(i).id());
            assertArrayEquals(expected.get(i).tokens(), actual.get(i).tokens(), expected.get(i).id());
            assertArrayEquals(expected.get(i).lossMask(), actual.get(i).lossMask(), expected.get(i).id());
        }
    }

    private static void assertSameCandidates(List<Candidate> expected, List<Candidate> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Candidate e = expected.get(i);
            Candidate a = actual.get(i);
            assertEquals(List.of(e.group(), e.candidate(), e.answerStart()),
                    List.of(a.group(), a.candidate(), a.answerStart()));
            assertArrayEquals(e.tokens(), a.tokens(), e.group());
        }
    }

    /**
     * At a limit equal to the longest row, every shipped sample comes out as without a limit; one token less, a
     * task with a passage cuts it and one without refuses.
     */
    @ParameterizedTest
    @EnumSource(SuperGlueTask.class)
    void aRecordThatFitsIsUnchangedAndOneTokenLessCutsOrRefuses(SuperGlueTask task) throws Exception {
        boolean hasPassage = task != SuperGlueTask.COPA && task != SuperGlueTask.WIC;
        for (Split split : Split.values()) {
            for (SuperGlueRecord r : SampleCandidatesTest.read(task, split)) {
                List<Candidate> whole = prompts.candidates(r, bytes);
                int longest = whole.stream().mapToInt(c -> c.tokens().length).max().orElseThrow();
                Fitted<Candidate> fitted = prompts.candidates(r, bytes, longest);
                assertSameCandidates(whole, fitted.rows());
                assertEquals(List.of(), fitted.cuts());
                if (hasPassage) {
                    Fitted<Candidate> cut = prompts.candidates(r, bytes, longest - 1);
                    assertTrue(cut.truncated(), r.toString());
                    assertTrue(cut.rows().stream().allMatch(c -> c.tokens().length < longest), r.toString());
                } else {
                    assertThrows(TooLongException.class, () -> prompts.candidates(r, bytes, longest - 1));
                }
            }
        }
        for (SuperGlueRecord r : SampleCandidatesTest.read(task, Split.TRAIN)) {
            List<TrainingExample> whole = prompts.training(r, bytes);
            int longest = whole.stream().mapToInt(e -> e.tokens().length).max().orElseThrow();
            Fitted<TrainingExample> fitted = prompts.training(r, bytes, longest);
            assertSameTraining(whole, fitted.rows());
            assertEquals(List.of(), fitted.cuts());
        }
    }

    @Test
    void copaAndWicHaveNoPassageToCut() {
        Copa copa = new Copa(4, "The step froze.", "It was cold.", "A cat passed.", "cause", 0);
        int copaNeeds = 1 + bytes.encode("The step froze. because").length + bytes.encode(" It was cold.").length + 1;
        assertEquals(1, prompts.training(copa, bytes, copaNeeds).rows().size());
        assertEquals("over-long: COPA 4 needs " + copaNeeds + " tokens and has no passage to cut; max_length "
                        + (copaNeeds - 1),
                assertThrows(TooLongException.class, () -> prompts.training(copa, bytes, copaNeeds - 1)).getMessage());

        Wic wic = new Wic(1, "bank", "On the bank.", "At the bank.", 7, 11, 7, 11, true);
        String prompt = "Does the word \"bank\" have the same meaning in these two sentences? Yes, No?\nOn the bank."
                + "\nAt the bank.";
        int wicNeeds = 1 + bytes.encode(prompt).length + bytes.encode(" Yes").length;
        assertEquals(2, prompts.candidates(wic, bytes, wicNeeds).rows().size());
        assertEquals("over-long: WiC 1 needs " + wicNeeds + " tokens and has no passage to cut; max_length 64",
                assertThrows(TooLongException.class, () -> prompts.candidates(wic, bytes, 64)).getMessage());
    }

    @Test
    void aQuestionTooLongWithoutItsPassageNamesTheTaskIdAndLimit() {
        String hypothesis = "Ann stayed home. ".repeat(20).strip();
        Rte rte = new Rte(17, "Ann left.", hypothesis, "not_entailment");
        int needs = 1 + bytes.encode(rte("", hypothesis)).length + bytes.encode(" No").length + 1;
        TooLongException e = assertThrows(TooLongException.class, () -> prompts.training(rte, bytes, 256));
        assertEquals("over-long: RTE 17 needs " + needs + " tokens with the premise cut to nothing; max_length 256",
                e.getMessage());
        assertTrue(needs > 256);
    }

    @Test
    void whenNoWordFitsTheFirstWordIsCutBetweenWholeCharacters() {
        String premise = "😀😀😀 ok";  // each emoji two chars, four bytes
        Rte rte = new Rte(1, premise, "H", "entailment");
        int[] answer = bytes.encode(" Yes");
        int[] twoEmoji = bytes.encode(rte("😀😀", "H"));
        // room for two emoji and three more bytes: not a third emoji, and no half of one
        int max = 1 + twoEmoji.length + answer.length + 1 + 3;
        Fitted<TrainingExample> fitted = prompts.training(rte, bytes, max);
        assertArrayEquals(concat(new int[] {bytes.bos()}, twoEmoji, answer, new int[] {bytes.eos()}),
                fitted.rows().get(0).tokens());
        assertEquals(List.of(new Fitted.Cut("1", premise.length() - 4,
                bytes.encode(rte(premise, "H")).length - twoEmoji.length)), fitted.cuts());
    }

    @Test
    void maxLengthBelowTwoIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> prompts.candidates(new Rte(1, "A.", "B", null), bytes, 1));
        assertEquals("max_length 1 is below 2: a row holds at least bos and one answer token", e.getMessage());
    }

    /**
     * A character-level BPE tokenizer.json with no pre-tokenizer, so merges cross spaces: "e " is merged before
     * "the", and the count of a text is not the sum of its pieces' counts.
     */
    private Path bpeAcrossSpaces() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        List<String> specials = List.of("<unk>", "<s>", "</s>");
        for (int id = 0; id < specials.size(); id++) {
            added.addObject().put("id", id).put("content", specials.get(id)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.put("unk_token", "<unk>").putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (String special : specials) {
            vocab.put(special, vocab.size());
        }
        for (char ch : " \n\"?.,abcdefghijklmnopqrstuvwxyzYN".toCharArray()) {
            vocab.put(String.valueOf(ch), vocab.size());
        }
        ArrayNode merges = model.putArray("merges");
        for (String[] pair : new String[][] {{"e", " "}, {"t", "h"}, {"th", "e"}, {" ", "the"}, {"i", "n"},
                {" ", "in"}, {"o", "n"}, {"e", "r"}, {"a", "n"}, {"an", "d"}}) {
            merges.addArray().add(pair[0]).add(pair[1]);
            vocab.put(pair[0] + pair[1], vocab.size());
        }
        json.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        return dir;
    }

    @Test
    void theLimitHoldsWithABpeTokenizerThatMergesAcrossTheCut() throws Exception {
        try (HfTokenizer t = HfTokenizer.load(bpeAcrossSpaces())) {
            assertNotEquals(t.encode("the").length + t.encode(" the").length, t.encode("the the").length);
            String passage = "the baker in the north kept the oven on there and the bread in the pan rose over"
                    + " the edge of the tin";
            Expected q = new Expected("3", p -> p + " is the bread in the oven", YES_NO, 0);
            Case c = new Case("BoolQ", "passage", new BoolQ(3, passage, "is the bread in the oven", true), passage,
                    List.of(q));
            int cutQuestions = 0;
            for (int max = 2; max <= trainingLength(t, q, passage) + 1; max++) {
                cutQuestions += checkTraining(c, t, max);
            }
            assertTrue(cutQuestions > 0, "no limit in the sweep cut anything");
        }
    }
}
