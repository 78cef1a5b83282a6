package org.lomospark.pipeline.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.lomospark.datasets.superglue.SuperGlueTask;

/**
 * Per-task results of one evaluation, and the predictions they were computed from.
 *
 * <pre>{@code
 * EvalReport report = new CandidateScorer(model, 16, tokenizer.pad()).evaluate(candidates);
 * double boolq = report.task("BoolQ").accuracy();
 * System.out.print(report.table());
 * }</pre>
 *
 * @param tasks one result per task with labeled questions, by task name
 * @param predictions every question, labeled or not, in the order first seen
 */
public record EvalReport(List<TaskResult> tasks, List<Prediction> predictions) {

    public EvalReport {
        tasks = List.copyOf(tasks);
        predictions = List.copyOf(predictions);
    }

    /** Scores the labeled predictions task by task; unlabeled ones are kept but scored by no metric. */
    public static EvalReport of(List<Prediction> predictions) {
        Map<String, List<Prediction>> byTask = new TreeMap<>();
        for (Prediction p : predictions) {
            if (p.labeled()) {
                byTask.computeIfAbsent(p.task(), t -> new ArrayList<>()).add(p);
            }
        }
        List<TaskResult> results = new ArrayList<>();
        byTask.forEach((task, labeled) -> results.add(score(task, labeled)));
        return new EvalReport(results, predictions);
    }

    /** The result of one task; throws when the task had no labeled question. */
    public TaskResult task(String name) {
        return tasks.stream().filter(t -> t.task().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no labeled results for task '" + name + "' (have "
                        + tasks.stream().map(TaskResult::task).toList() + ")"));
    }

    /** A fixed-width text table: task, questions, every metric, majority baseline. */
    public String table() {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-10s %7s  %s%n", "task", "groups",
                "metrics (majority baseline)"));
        for (TaskResult t : tasks) {
            StringBuilder metrics = new StringBuilder();
            t.metrics().forEach((name, value) -> metrics.append(String.format(Locale.ROOT, "%s %.4f  ", name, value)));
            out.append(String.format(Locale.ROOT, "%-10s %7d  %s(majority %.4f)%n", t.task(), t.groups(), metrics,
                    t.majorityBaseline()));
        }
        return out.toString();
    }

    private static TaskResult score(String task, List<Prediction> labeled) {
        int correct = 0;
        Map<Integer, Integer> goldCounts = new HashMap<>();
        for (Prediction p : labeled) {
            correct += p.correct() ? 1 : 0;
            if (p.gold() >= 0) { // a ReCoRD query no entity answers is missed by any constant answer too
                goldCounts.merge(p.gold(), 1, Integer::sum);
            }
        }
        int majority = goldCounts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(TaskResult.ACCURACY, (double) correct / labeled.size());
        if (task.equals(SuperGlueTask.MULTIRC.dirName())) {
            metrics.putAll(MultiRcMetrics.of(labeled));
        } else if (task.equals(SuperGlueTask.RECORD.dirName())) {
            metrics.putAll(RecordMetrics.of(labeled));
        }
        return new TaskResult(task, labeled.size(), metrics, (double) majority / labeled.size());
    }
}
