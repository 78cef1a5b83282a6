package org.lomospark.pipeline.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MultiRC's SuperGLUE metrics over the labeled answer options of an eval set. Each answer option is a group of
 * its own (is this answer correct? Yes/No), so the prediction for an option is the label of its chosen candidate.
 * <ul>
 *   <li>{@code f1a}: binary F1 over all answer options, the positive class being "the answer is correct"
 *   (label {@code "1"}); 0 when there is no positive option and none is predicted, as SuperGLUE's scorer
 *   (scikit-learn's F1) gives it.</li>
 *   <li>{@code em}: the share of questions (paragraph + question) whose answer options are all predicted right.</li>
 * </ul>
 */
final class MultiRcMetrics {
    /** MultiRC's label of an answer option that is correct. */
    static final String CORRECT = "1";

    private MultiRcMetrics() {}

    /** {@code f1a} and {@code em}, in that order. */
    static Map<String, Double> of(List<Prediction> labeled) {
        int truePositives = 0;
        int falsePositives = 0;
        int falseNegatives = 0;
        Map<String, Boolean> allRight = new LinkedHashMap<>();
        for (Prediction p : labeled) {
            if (!p.labels().contains(CORRECT)) {
                throw new IllegalArgumentException(p.task() + " group " + p.group() + ": candidate labels "
                        + p.labels() + " have no '" + CORRECT + "' (the answer is correct); was the eval table"
                        + " prepared for MultiRC?");
            }
            boolean predicted = CORRECT.equals(p.predictedLabel());
            boolean gold = CORRECT.equals(p.labels().get(p.gold()));
            truePositives += predicted && gold ? 1 : 0;
            falsePositives += predicted && !gold ? 1 : 0;
            falseNegatives += !predicted && gold ? 1 : 0;
            allRight.merge(p.question(), p.correct(), Boolean::logicalAnd);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(TaskResult.F1A, f1(truePositives, falsePositives, falseNegatives));
        out.put(TaskResult.EXACT_MATCH,
                (double) allRight.values().stream().filter(b -> b).count() / allRight.size());
        return out;
    }

    /** 2 tp / (2 tp + fp + fn): the harmonic mean of precision and recall, 0 when nothing is positive. */
    static double f1(int truePositives, int falsePositives, int falseNegatives) {
        int denominator = 2 * truePositives + falsePositives + falseNegatives;
        return denominator == 0 ? 0 : 2.0 * truePositives / denominator;
    }
}
