package org.lomospark.datasets.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lomospark.datasets.jsonl.Parsed;
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
import org.lomospark.datasets.tokenize.Tokenizer;

/** Every shipped sample through the paper's prompts: candidate counts, gold indices, tokens. */
class SampleCandidatesTest {
    private final SuperGluePrompts prompts = new SuperGluePrompts(PromptTemplates.paper());
    private final Tokenizer bytes = new ByteTokenizer();

    /** A question's expected candidate count and gold index. */
    private record Expected(int candidates, int gold) {}

    /** Every record of a shipped sample file. */
    static List<SuperGlueRecord> read(SuperGlueTask task, Split split) throws Exception {
        Path root = Path.of(SampleCandidatesTest.class.getResource("/samples/superglue").toURI());
        List<SuperGlueRecord> out = new ArrayList<>();
        for (Parsed<SuperGlueRecord> p : task.read(root, split)) {
            out.add(((Parsed.Ok<SuperGlueRecord>) p).value());
        }
        return out;
    }

    private static int yesNo(Object label, Object yes) {
        return label == null ? -1 : label.equals(yes) ? 0 : 1;
    }

    /** Written from the labels directly, not through the templates. */
    private static List<Expected> expected(SuperGlueRecord r) {
        if (r instanceof BoolQ x) {
            return List.of(new Expected(2, yesNo(x.label(), true)));
        } else if (r instanceof Wic x) {
            return List.of(new Expected(2, yesNo(x.label(), true)));
        } else if (r instanceof Wsc x) {
            return List.of(new Expected(2, yesNo(x.label(), true)));
        } else if (r instanceof Rte x) {
            return List.of(new Expected(2, yesNo(x.label(), "entailment")));
        } else if (r instanceof Cb x) {
            return List.of(new Expected(3, x.label() == null ? -1 : Cb.LABELS.indexOf(x.label())));
        } else if (r instanceof Copa x) {
            return List.of(new Expected(2, x.label() == null ? -1 : x.label()));
        } else if (r instanceof MultiRc x) {
            return x.questions().stream().flatMap(q -> q.answers().stream())
                    .map(a -> new Expected(2, yesNo(a.label(), 1))).toList();
        }
        Record x = (Record) r;
        List<String> entities = List.copyOf(new LinkedHashSet<>(
                x.entities().stream().map(e -> e.text(x.passageText())).toList()));
        return x.queries().stream().map(q -> new Expected(entities.size(),
                q.answers().isEmpty() ? -1 : entities.indexOf(q.answers().get(0).text()))).toList();
    }

    @ParameterizedTest
    @EnumSource(SuperGlueTask.class)
    void candidatesPerQuestionAndGoldFollowTheLabels(SuperGlueTask task) throws Exception {
        for (Split split : Split.values()) {
            for (SuperGlueRecord r : read(task, split)) {
                Map<String, List<Candidate>> groups = new LinkedHashMap<>();
                for (Candidate c : prompts.candidates(r, bytes)) {
                    groups.computeIfAbsent(c.group(), g -> new ArrayList<>()).add(c);
                }
                List<Expected> expected = expected(r);
                assertEquals(expected.size(), groups.size(), r.toString());
                int q = 0;
                for (List<Candidate> group : groups.values()) {
                    Expected e = expected.get(q++);
                    assertEquals(e.candidates(), group.size(), r.toString());
                    assertEquals(IntStream.range(0, e.candidates()).boxed().toList(),
                            group.stream().map(Candidate::candidate).toList());
                    for (Candidate c : group) {
                        assertEquals(e.gold(), c.gold(), r.toString());
                        assertEquals(task.dirName(), c.task());
                        assertEquals(bytes.bos(), c.tokens()[0]);
                    }
                    assertEquals(split == Split.TEST, e.gold() == -1, r.toString());
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SuperGlueTask.class)
    void trainingOnTheTrainSplitIsTheGoldCandidatePlusEos(SuperGlueTask task) throws Exception {
        for (SuperGlueRecord r : read(task, Split.TRAIN)) {
            List<Candidate> gold = prompts.candidates(r, bytes).stream()
                    .filter(c -> c.candidate() == c.gold()).toList();
            List<TrainingExample> examples = prompts.training(r, bytes);
            assertEquals(gold.size(), examples.size(), r.toString());
            for (int i = 0; i < gold.size(); i++) {
                Candidate c = gold.get(i);
                TrainingExample ex = examples.get(i);
                assertEquals(c.group(), ex.id());
                int n = c.tokens().length;
                assertEquals(n + 1, ex.tokens().length);
                assertTrue(Arrays.equals(c.tokens(), Arrays.copyOf(ex.tokens(), n)), c.group());
                assertEquals(bytes.eos(), ex.tokens()[n]);
                for (int t = 0; t <= n; t++) {
                    assertEquals(t >= c.answerStart() && t < n, ex.lossMask()[t], c.group() + " token " + t);
                }
            }
        }
    }
}
