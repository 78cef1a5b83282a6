package org.lomospark.pipeline.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One task's scores over its labeled questions.
 *
 * @param groups labeled questions scored
 * @param metrics by name, in report order: {@code accuracy} for every task (the share of questions whose
 *     highest-scoring candidate is the gold one); tasks that SuperGLUE scores otherwise add their own metrics
 * @param majorityBaseline the accuracy of always answering the most frequent gold index of this eval set
 */
public record TaskResult(String task, int groups, Map<String, Double> metrics, double majorityBaseline) {
    public static final String ACCURACY = "accuracy";

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
