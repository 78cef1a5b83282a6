package org.lomospark.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** ReCoRD's token F1 and exact match through the report, on queries worked out by hand. */
class RecordMetricsTest {

    /** One query: its distinct entity texts, the predicted one, the gold index and every gold answer text. */
    private static Prediction query(String group, List<String> entities, int predicted, int gold,
                                    List<String> goldTexts) {
        double[] scores = new double[entities.size()];
        java.util.Arrays.fill(scores, -2);
        scores[predicted] = -1;
        return new Prediction("ReCoRD", group, scores, predicted, gold, group, entities, goldTexts);
    }

    @Test
    void eachQueryCountsItsBestGoldAnswerAndQueriesAreAveraged() {
        List<String> obama = List.of("Barack Obama", "Michelle", "Obama");
        TaskResult r = EvalReport.of(List.of(
                // two gold texts, "Obama" at two spans: the prediction matches one exactly -> em 1, f1 1
                query("0/0", obama, 0, 0, List.of("Obama", "Obama", "Barack Obama")),
                // no word shared -> 0, 0
                query("0/1", List.of("Washington", "the White House"), 0, 1, List.of("White House")),
                // "barack h obama jr" vs "barack obama": 2 shared, p 2/4, r 1 -> 2/3; vs "obama": p 1/4, r 1 -> 2/5
                query("1/0", List.of("Obama", "Barack H. Obama Jr."), 1, 0, List.of("Barack Obama", "Obama")),
                // equal after normalization -> 1, 1
                query("2/0", List.of("The Beatles", "Rolling Stones"), 0, 0, List.of("beatles!")),
                query("2/1", List.of("The Beatles", "Rolling Stones"), 0, -1, List.of()))) // test: in no metric
                .task("ReCoRD");
        assertEquals(List.of("accuracy", "f1", "em"), List.copyOf(r.metrics().keySet()));
        assertEquals(4, r.groups());
        assertEquals(0.5, r.accuracy(), 1e-12);
        assertEquals((1 + 0 + 2.0 / 3 + 1) / 4, r.metrics().get(TaskResult.F1), 1e-12);
        assertEquals(0.5, r.metrics().get(TaskResult.EXACT_MATCH), 1e-12);
    }

    @Test
    void aPredictionEqualToASecondGoldAnswerIsExactEvenWhereAccuracyCountsOnlyTheFirst() {
        // the gold index is the first entity that is a gold answer; picking the other gold entity is still exact
        TaskResult r = EvalReport.of(List.of(query("0/0", List.of("Barack Obama", "Michelle", "Obama"), 2, 0,
                List.of("Barack Obama", "Obama")))).task("ReCoRD");
        assertEquals(0.0, r.accuracy());
        assertEquals(1.0, r.metrics().get(TaskResult.EXACT_MATCH));
        assertEquals(1.0, r.metrics().get(TaskResult.F1));
    }

    @Test
    void aQueryWhoseGoldAnswersMatchNoEntityCountsAsWrongNotAsUnlabeled() {
        // gold -1 but gold texts: no candidate can be right, and the query still weighs in every metric
        TaskResult r = EvalReport.of(List.of(
                query("0/0", List.of("Paris", "Lyon"), 0, 0, List.of("Paris")),
                query("0/1", List.of("Paris", "Lyon"), 1, -1, List.of("Marseille")))).task("ReCoRD");
        assertEquals(2, r.groups());
        assertEquals(0.5, r.accuracy(), 1e-12);
        assertEquals(0.5, r.metrics().get(TaskResult.EXACT_MATCH), 1e-12);
        assertEquals(0.5, r.metrics().get(TaskResult.F1), 1e-12);
        assertEquals(0.5, r.majorityBaseline(), 1e-12, "always candidate 0 answers the first query only");
    }

    @Test
    void aLabeledQueryWithoutGoldTextsIsRejectedNamingTheGroup() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvalReport.of(List.of(
                query("7/3", List.of("A", "B"), 0, 1, List.of()))));
        assertEquals("ReCoRD group 7/3: labeled (gold 1) but has no gold answer texts", e.getMessage());
    }
}
