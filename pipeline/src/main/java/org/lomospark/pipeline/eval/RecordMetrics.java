package org.lomospark.pipeline.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ReCoRD's SuperGLUE metrics over the labeled queries of an eval set, as the official ReCoRD scorer computes them:
 * the predicted entity's text against every gold answer text of its query, the best of them counting; {@code em}
 * (normalized texts equal) and {@code f1} (normalized word overlap) averaged over queries. See {@link AnswerText}
 * for the normalization.
 */
final class RecordMetrics {
    private RecordMetrics() {}

    /** {@code f1} and {@code em}, in that order. */
    static Map<String, Double> of(List<Prediction> labeled) {
        double f1 = 0;
        double exact = 0;
        for (Prediction p : labeled) {
            if (p.goldLabels().isEmpty()) {
                throw new IllegalArgumentException(p.task() + " group " + p.group()
                        + ": labeled (gold " + p.gold() + ") but has no gold answer texts");
            }
            String predicted = p.predictedLabel();
            f1 += p.goldLabels().stream().mapToDouble(g -> AnswerText.f1(predicted, g)).max().orElseThrow();
            exact += p.goldLabels().stream().anyMatch(g -> AnswerText.exactMatch(predicted, g)) ? 1 : 0;
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(TaskResult.F1, f1 / labeled.size());
        out.put(TaskResult.EXACT_MATCH, exact / labeled.size());
        return out;
    }
}
