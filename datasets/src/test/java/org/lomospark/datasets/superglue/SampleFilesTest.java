package org.lomospark.datasets.superglue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lomospark.datasets.jsonl.Parsed;

/** The shipped samples: every line valid, the expected sizes, and offsets that point where they claim. */
class SampleFilesTest {
    private static final Map<Split, Integer> LINES = Map.of(Split.TRAIN, 12, Split.VAL, 6, Split.TEST, 4);
    private static final long MAX_BYTES = 20 * 1024;

    private static Path root() throws Exception {
        return Path.of(SampleFilesTest.class.getResource("/samples/superglue").toURI());
    }

    private static List<SuperGlueRecord> read(SuperGlueTask task, Split split) throws Exception {
        List<Parsed<SuperGlueRecord>> parsed = task.read(root(), split);
        List<SuperGlueRecord> values = new ArrayList<>();
        for (Parsed<SuperGlueRecord> p : parsed) {
            if (p instanceof Parsed.Ok<SuperGlueRecord> ok) {
                values.add(ok.value());
            }
        }
        assertEquals(parsed.size(), values.size(), () -> "bad records: " + parsed);
        return values;
    }

    /** Every label of a record; ReCoRD's are its queries' answer lists, null when empty. */
    private static List<Object> labels(SuperGlueRecord r) {
        List<Object> out = new ArrayList<>();
        if (r instanceof BoolQ x) {
            out.add(x.label());
        } else if (r instanceof Cb x) {
            out.add(x.label());
        } else if (r instanceof Rte x) {
            out.add(x.label());
        } else if (r instanceof Copa x) {
            out.add(x.label());
        } else if (r instanceof Wic x) {
            out.add(x.label());
        } else if (r instanceof Wsc x) {
            out.add(x.label());
        } else if (r instanceof MultiRc x) {
            x.questions().forEach(q -> q.answers().forEach(a -> out.add(a.label())));
        } else if (r instanceof Record x) {
            x.queries().forEach(q -> out.add(q.answers().isEmpty() ? null : q.answers()));
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(SuperGlueTask.class)
    void everySplitParsesWithoutBadRecordsAndHasTheExpectedSize(SuperGlueTask task) throws Exception {
        for (Split split : Split.values()) {
            assertTrue(Files.size(task.file(root(), split)) < MAX_BYTES, task.file(root(), split).toString());
            List<SuperGlueRecord> records = read(task, split);
            assertEquals(LINES.get(split), records.size(), task + " " + split);
            assertEquals(LongStream.range(0, records.size()).boxed().toList(),
                    records.stream().map(SuperGlueRecord::idx).toList(), task + " " + split + " idx");
        }
    }

    @ParameterizedTest
    @EnumSource(SuperGlueTask.class)
    void onlyTheTestSplitIsUnlabeled(SuperGlueTask task) throws Exception {
        for (Split split : Split.values()) {
            for (SuperGlueRecord r : read(task, split)) {
                for (Object label : labels(r)) {
                    assertEquals(split == Split.TEST, label == null, task + " " + split + " " + r);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Split.class)
    void wicSpansCoverOneWordFormOfTheTargetWord(Split split) throws Exception {
        for (SuperGlueRecord r : read(SuperGlueTask.WIC, split)) {
            Wic w = (Wic) r;
            for (String used : List.of(w.sentence1().substring(w.start1(), w.end1()),
                    w.sentence2().substring(w.start2(), w.end2()))) {
                // inflected forms share the first two letters with the lemma (write/wrote, climb/climbed)
                assertTrue(used.matches("\\p{L}+") && used.toLowerCase().startsWith(w.word().substring(0, 2)),
                        used + " for " + w);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Split.class)
    void wscSpanIndicesPointAtTheirWords(Split split) throws Exception {
        for (SuperGlueRecord r : read(SuperGlueTask.WSC, split)) {
            Wsc w = (Wsc) r;
            String[] words = w.text().replaceAll("[.,]", "").split(" ");
            assertTrue(w.target().span1Index() < w.target().span2Index(), w.toString());
            assertWordsAt(words, w.target().span1Index(), w.target().span1Text());
            assertWordsAt(words, w.target().span2Index(), w.target().span2Text());
        }
    }

    private static void assertWordsAt(String[] words, int index, String span) {
        String[] expected = span.split(" ");
        assertEquals(List.of(expected), List.of(words).subList(index, index + expected.length));
    }

    @ParameterizedTest
    @EnumSource(Split.class)
    void recordAnswersAreEntitiesWhoseTextMatchesThePassage(Split split) throws Exception {
        for (SuperGlueRecord r : read(SuperGlueTask.RECORD, split)) {
            Record rec = (Record) r;
            Set<Record.Entity> entities = new HashSet<>(rec.entities());
            for (Record.Query q : rec.queries()) {
                for (Record.Answer a : q.answers()) {
                    assertEquals(a.text(), rec.passageText().substring(a.start(), a.end() + 1));
                    assertTrue(entities.contains(new Record.Entity(a.start(), a.end())), a.toString());
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Split.class)
    void multiRcHasTwoQuestionsOfTwoOrThreeAnswersWithIdxUniqueInTheFile(Split split) throws Exception {
        Set<Long> questionIdx = new HashSet<>();
        Set<Long> answerIdx = new HashSet<>();
        for (SuperGlueRecord r : read(SuperGlueTask.MULTIRC, split)) {
            MultiRc rc = (MultiRc) r;
            assertEquals(2, rc.questions().size());
            for (MultiRc.Question q : rc.questions()) {
                assertTrue(q.answers().size() == 2 || q.answers().size() == 3, q.toString());
                assertTrue(questionIdx.add(q.idx()), q.toString());
                q.answers().forEach(a -> assertTrue(answerIdx.add(a.idx()), a.toString()));
            }
        }
    }
}
