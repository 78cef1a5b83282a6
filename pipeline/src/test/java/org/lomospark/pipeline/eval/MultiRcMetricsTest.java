package org.lomospark.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** MultiRC's F1a and exact match through the report, on answer options worked out by hand. */
class MultiRcMetricsTest {
    /** The paper's MultiRC candidates: " Yes" (label 1) then " No" (label 0). */
    private static final List<String> LABELS = List.of("1", "0");

    /** One answer option, its group {@code question/answer}; labels are 1 or 0, null gold for test. */
    private static Prediction option(String question, String answer, Integer gold, int predictedLabel) {
        int predicted = LABELS.indexOf(String.valueOf(predictedLabel));
        int goldIndex = gold == null ? -1 : LABELS.indexOf(String.valueOf(gold));
        double[] scores = predicted == 0 ? new double[] {-1, -2} : new double[] {-2, -1};
        return new Prediction("MultiRC", question + "/" + answer, scores, predicted, goldIndex, question, LABELS,
                gold == null ? List.of() : List.of(String.valueOf(gold)));
    }

    @Test
    void oneWrongAnswerOptionMakesTheQuestionsExactMatchZeroButF1aPartial() {
        TaskResult r = EvalReport.of(List.of(
                option("0/0", "0", 1, 1),
                option("0/0", "1", 0, 1), // wrong: a false positive
                option("0/0", "2", 1, 1))).task("MultiRC");
        // tp 2, fp 1, fn 0: precision 2/3, recall 1, F1 4/5
        assertEquals(Map.of("accuracy", 2.0 / 3, "f1a", 0.8, "em", 0.0), r.metrics());
        assertEquals(3, r.groups());
    }

    @Test
    void f1aCountsOverAllOptionsAndExactMatchOverQuestions() {
        List<Prediction> p = List.of(
                option("0/0", "0", 1, 1), // tp
                option("0/0", "1", 0, 1), // fp: question 0/0 not all right
                option("0/0", "2", 1, 1), // tp
                option("0/1", "0", 0, 0), // tn
                option("0/1", "1", 1, 1), // tp: question 0/1 all right
                option("1/0", "0", 1, 0), // fn: question 1/0 not all right
                option("1/1", "0", null, 1)); // test split: in no metric
        TaskResult r = EvalReport.of(p).task("MultiRC");
        // tp 3, fp 1, fn 1: F1 = 2*3 / (2*3 + 1 + 1) = 0.75; exact match 1 of 3 questions
        assertEquals(List.of("accuracy", "f1a", "em"), List.copyOf(r.metrics().keySet()));
        assertEquals(4.0 / 6, r.accuracy(), 1e-12);
        assertEquals(0.75, r.metrics().get(TaskResult.F1A), 1e-12);
        assertEquals(1.0 / 3, r.metrics().get(TaskResult.EXACT_MATCH), 1e-12);
        assertEquals(6, r.groups());
        String table = EvalReport.of(p).table();
        assertTrue(table.contains("accuracy 0.6667  f1a 0.7500  em 0.3333"), table);
    }

    @Test
    void theExactMatchOfAQuestionDoesNotDependOnTheOrderOfItsOptions() {
        List<Prediction> p = new ArrayList<>(List.of(option("0/0", "0", 1, 1), option("0/1", "0", 0, 0),
                option("0/0", "1", 0, 1), option("0/1", "1", 1, 1)));
        assertEquals(0.5, EvalReport.of(p).task("MultiRC").metrics().get(TaskResult.EXACT_MATCH), 1e-12);
        java.util.Collections.reverse(p);
        assertEquals(0.5, EvalReport.of(p).task("MultiRC").metrics().get(TaskResult.EXACT_MATCH), 1e-12);
    }

    @Test
    void f1aIsZeroWhenNothingIsPositive() {
        assertEquals(0.0, MultiRcMetrics.f1(0, 0, 0));
        assertEquals(0.0, EvalReport.of(List.of(option("0/0", "0", 0, 0))).task("MultiRC").metrics()
                .get(TaskResult.F1A));
    }

    @Test
    void candidatesWithoutTheCorrectLabelAreRejectedNamingTheGroup() {
        Prediction odd = new Prediction("MultiRC", "3/4/5", new double[] {-1, -2}, 0, 0, "3/4", List.of("0", "1"),
                List.of("0"));
        Prediction yesNo = new Prediction("MultiRC", "3/4/5", new double[] {-1, -2}, 0, 0, "3/4",
                List.of("Yes", "No"), List.of("Yes"));
        assertEquals(1.0, EvalReport.of(List.of(odd)).task("MultiRC").accuracy(), "the order of labels is free");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EvalReport.of(List.of(yesNo)));
        assertEquals("MultiRC group 3/4/5: candidate labels [Yes, No] have no '1' (the answer is correct); was the"
                + " eval table prepared for MultiRC?", e.getMessage());
    }
}
