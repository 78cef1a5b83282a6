package org.lomospark.datasets.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.jsonl.Parsed;
import org.lomospark.datasets.prompt.Candidate;
import org.lomospark.datasets.prompt.PromptTemplates;
import org.lomospark.datasets.prompt.SuperGluePrompts;
import org.lomospark.datasets.superglue.BoolQ;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueRecord;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.tokenize.ByteTokenizer;

/** The shipped synthetic BoolQ: official layout, the open/shut rule on every label, balanced, reproducible by seed. */
class SyntheticBoolQTest {
    private static final Map<Split, Integer> LINES = Map.of(Split.TRAIN, 2000, Split.VAL, 200, Split.TEST, 100);
    private static final Pattern PASSAGE = Pattern.compile("([A-Z][a-z]+) (?:left|kept) the ([a-z]+) box (open|shut)\\.");
    private static final Pattern QUESTION = Pattern.compile("is ([a-z]+)'s ([a-z]+) box (open|shut)");

    @TempDir
    Path dir;

    private static Path root() throws Exception {
        return Path.of(SyntheticBoolQTest.class.getResource("/samples/synthetic").toURI());
    }

    private static List<BoolQ> read(Split split) throws Exception {
        List<BoolQ> out = new ArrayList<>();
        for (Parsed<SuperGlueRecord> p : SuperGlueTask.BOOLQ.read(root(), split)) {
            assertTrue(p instanceof Parsed.Ok, p::toString);
            out.add((BoolQ) ((Parsed.Ok<SuperGlueRecord>) p).value());
        }
        return out;
    }

    @Test
    void shippedFilesParseAsBoolQWithTheOfficialFields() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (Split split : Split.values()) {
            List<BoolQ> records = read(split);
            assertEquals(LINES.get(split), records.size(), split.toString());
            assertEquals(LongStream.range(0, records.size()).boxed().toList(),
                    records.stream().map(BoolQ::idx).toList(), split + " idx");
            List<String> fields = split == Split.TEST ? List.of("question", "passage", "idx")
                    : List.of("question", "passage", "idx", "label");
            for (String line : Files.readAllLines(SuperGlueTask.BOOLQ.file(root(), split))) {
                List<String> names = new ArrayList<>();
                JsonNode node = json.readTree(line);
                node.fieldNames().forEachRemaining(names::add);
                assertEquals(fields, names, line);
            }
        }
    }

    @Test
    void everyLabelIsWhetherTheQuestionsWordIsThePassagesAndOnlyTrainLeansOnOpen() throws Exception {
        for (Split split : List.of(Split.TRAIN, Split.VAL)) {
            int yes = 0;
            int asksOpen = 0;
            int passageAlone = 0; // how often "yes when the passage says open" is right
            for (BoolQ r : read(split)) {
                Matcher p = PASSAGE.matcher(r.passage());
                Matcher q = QUESTION.matcher(r.question());
                assertTrue(p.matches() && q.matches(), r::toString);
                assertEquals(p.group(1).toLowerCase(Locale.ROOT), q.group(1), r::toString);
                assertEquals(p.group(2), q.group(2), r::toString);
                assertEquals(p.group(3).equals(q.group(3)), r.label(), r::toString);
                yes += r.label() ? 1 : 0;
                asksOpen += q.group(3).equals("open") ? 1 : 0;
                passageAlone += r.label() == p.group(3).equals("open") ? 1 : 0;
            }
            int n = LINES.get(split);
            assertEquals(n / 2, yes, split + ": as many yes as no");
            double share = split == Split.TRAIN ? 0.7 : 0.5;
            assertEquals(Math.round(n * share), asksOpen, split + ": questions asking open");
            assertEquals(Math.round(n * share), passageAlone, split + ": the passage alone is right this often");
        }
        for (BoolQ r : read(Split.TEST)) {
            assertTrue(PASSAGE.matcher(r.passage()).matches() && QUESTION.matcher(r.question()).matches(),
                    r::toString);
        }
    }

    @Test
    void noPassageAndQuestionRepeatAcrossSplitsAndPromptsStayShort() throws Exception {
        Set<String> pairs = new HashSet<>();
        SuperGluePrompts prompts = new SuperGluePrompts(PromptTemplates.paper());
        ByteTokenizer bytes = new ByteTokenizer();
        for (Split split : Split.values()) {
            for (BoolQ r : read(split)) {
                assertTrue(pairs.add(r.passage() + "\n" + r.question()), r::toString);
                for (Candidate c : prompts.candidates(r, bytes)) {
                    assertTrue(c.tokens().length < 64, () -> c.tokens().length + " tokens: " + r);
                }
            }
        }
    }

    @Test
    void theSeedRegeneratesTheShippedFilesAndAnotherSeedDoesNot() throws Exception {
        SyntheticBoolQ.write(dir, SyntheticBoolQ.SEED, SyntheticBoolQ.TRAIN, SyntheticBoolQ.VAL, SyntheticBoolQ.TEST);
        for (Split split : Split.values()) {
            assertArrayEquals(Files.readAllBytes(SuperGlueTask.BOOLQ.file(root(), split)),
                    Files.readAllBytes(SuperGlueTask.BOOLQ.file(dir, split)), split.toString());
        }
        assertNotEquals(SyntheticBoolQ.generate(SyntheticBoolQ.SEED, 50, 0, 0),
                SyntheticBoolQ.generate(SyntheticBoolQ.SEED + 1, 50, 0, 0));
    }

    @Test
    void askingForMoreRecordsThanDistinctPairsFailsInsteadOfLooping() {
        // 40 names x 16 things x 2 verbs = 1280 passages per (state, asked) pair; val and test ask each equally
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyntheticBoolQ.generate(1, 0, 6000, 0));
        assertTrue(e.getMessage().startsWith("ran out of distinct (passage, question) pairs"), e::getMessage);
    }
}
