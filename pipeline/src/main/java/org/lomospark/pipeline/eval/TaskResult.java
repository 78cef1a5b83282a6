package org.lomospark.pipeline.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One task's scores over its labeled questions.
 *
 * @param groups labeled groups scored: questions, MultiRC's answer options, ReCoRD's queries
 * @param metrics by name, in report order: {@code accuracy} for every task (the share of groups whose
 *     highest-scoring candidate is the gold one); MultiRC adds {@code f1a} and {@code em}, ReCoRD {@code f1} and
 *     {@code em}, the metrics SuperGLUE scores them by
 * @param majorityBaseline the accuracy of always answering the most frequent gold index of this eval set
 */
public record TaskResult(String task, int groups, Map<String, Double> metrics, double majorityBaseline) {
    public static final String ACCURACY = "accuracy";
    /** MultiRC: binary F1 over all answer options. */
    public static final String F1A = "f1a";
    /** ReCoRD: word-overlap F1 of the predicted entity, best gold answer, mean over queries. */
    public static final String F1 = "f1";
    /** MultiRC: share of questions with every answer option right; ReCoRD: share of queries answered exactly. */
    public static final String EXACT_MATCH = "em";

    public TaskResult {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        if (!metrics.containsKey(ACCURACY)) {
            throw new IllegalArgumentException(task + ": every task reports " + ACCURACY + ", got " + metrics.keySet());
        }
    }

    public double accuracy() {
        return metrics.get(ACCURACY);
    }
}
