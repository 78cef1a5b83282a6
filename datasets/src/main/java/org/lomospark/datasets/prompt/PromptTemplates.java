package org.lomospark.datasets.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lomospark.datasets.jsonl.JsonConfig;
import org.lomospark.datasets.superglue.SuperGlueTask;

/**
 * The prompt and answer texts of every SuperGLUE task, read from a JSON file keyed by task folder name.
 * {@link #paper()} is the LOMO paper's set ({@code prompts/superglue-paper.json}); {@link #load} reads another.
 *
 * <pre>
 * {
 *   "BoolQ": {"prompt": "{passage} {question}", "answers": {"true": " Yes", "false": " No"}},
 *   "COPA":  {"prompt": {"cause": "{premise} because", "effect": "{premise} so"}, "answer": " {choice}"},
 *   ...
 * }
 * </pre>
 *
 * <p>Every task must be present. {@code "answers"} maps each label, spelled as in the dataset
 * ({@code "true"}, {@code "entailment"}, MultiRC's {@code "1"}), to the text appended to the prompt; tasks
 * whose candidates come from the record (COPA's choices, ReCoRD's entities) give one {@code "answer"}
 * template instead. Placeholders per task:
 * <ul>
 *   <li>BoolQ {@code passage question}; CB, RTE {@code premise hypothesis};
 *       WiC {@code word sentence1 sentence2}; WSC {@code text span1_text span2_text};
 *       MultiRC {@code paragraph question answer};</li>
 *   <li>COPA prompt {@code premise}, one per question ({@code cause}, {@code effect}), answer {@code choice};</li>
 *   <li>ReCoRD prompt {@code passage query_before}, answer {@code entity query_after}: the query is split at
 *       its {@code @placeholder}, so prompt + answer reads as the query filled with the entity.</li>
 * </ul>
 * An unknown or missing task, key or placeholder is an {@link IllegalArgumentException} naming the file and task.
 */
public final class PromptTemplates {
    private static final String PAPER = "/prompts/superglue-paper.json";
    private final Map<SuperGlueTask, TaskTemplate> tasks;

    private PromptTemplates(Map<SuperGlueTask, TaskTemplate> tasks) {
        this.tasks = tasks;
    }

    /** The paper's prompts, shipped in this jar. */
    public static PromptTemplates paper() {
        return parse(JsonConfig.resource(PromptTemplates.class, PAPER), PAPER);
    }

    public static PromptTemplates load(Path file) throws IOException {
        return parse(JsonConfig.file(file), file.toString());
    }

    TaskTemplate task(SuperGlueTask task) {
        return tasks.get(task);
    }

    private static PromptTemplates parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object keyed by task");
        }
        Map<SuperGlueTask, TaskTemplate> tasks = new EnumMap<>(SuperGlueTask.class);
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            SuperGlueTask task = Arrays.stream(SuperGlueTask.values())
                    .filter(t -> t.dirName().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(source + ": unknown task '" + name + "' (tasks: "
                            + Arrays.stream(SuperGlueTask.values()).map(SuperGlueTask::dirName).toList() + ")"));
            try {
                tasks.put(task, parseTask(root.get(name), TaskSchema.of(task)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ": task '" + name + "': " + e.getMessage(), e);
            }
        }
        for (SuperGlueTask task : SuperGlueTask.values()) {
            if (!tasks.containsKey(task)) {
                throw new IllegalArgumentException(source + ": no template for task '" + task.dirName() + "'");
            }
        }
        return new PromptTemplates(tasks);
    }

    private static TaskTemplate parseTask(JsonNode node, TaskSchema schema) {
        String answerKey = schema.labels().isEmpty() ? "answer" : "answers";
        requireKeys(node, "", List.of("prompt", answerKey));

        Map<String, Template> prompts = new LinkedHashMap<>();
        JsonNode prompt = node.get("prompt");
        if (schema.variants().isEmpty()) {
            prompts.put(TaskTemplate.SINGLE, template(prompt, "prompt", schema.promptFields()));
        } else {
            requireKeys(prompt, "prompt.", schema.variants());
            for (String variant : schema.variants()) {
                prompts.put(variant, template(prompt.get(variant), "prompt." + variant, schema.promptFields()));
            }
        }

        JsonNode answer = node.get(answerKey);
        if (schema.labels().isEmpty()) {
            return new TaskTemplate(prompts, List.of(), List.of(), template(answer, "answer", schema.answerFields()));
        }
        requireKeys(answer, "answers.", schema.labels());
        List<String> fixed = new ArrayList<>();
        for (String label : schema.labels()) {
            // parsed as a template with no fields only to reject a brace that looks like a placeholder
            fixed.add(template(answer.get(label), "answers." + label, Set.of()).render(Map.of()));
        }
        return new TaskTemplate(prompts, schema.labels(), List.copyOf(fixed), null);
    }

    private static void requireKeys(JsonNode node, String path, List<String> keys) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(
                    (path.isEmpty() ? "entry" : path.substring(0, path.length() - 1)) + " must be an object with keys "
                            + keys);
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!keys.contains(name)) {
                throw new IllegalArgumentException("unknown key '" + path + name + "' (expected " + keys + ")");
            }
        }
        for (String key : keys) {
            if (!node.has(key)) {
                throw new IllegalArgumentException("missing key '" + path + key + "'");
            }
        }
    }

    private static Template template(JsonNode node, String path, Set<String> fields) {
        if (!node.isTextual()) {
            throw new IllegalArgumentException("'" + path + "' must be a string");
        }
        try {
            return Template.parse(node.asText(), fields);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + path + "': " + e.getMessage(), e);
        }
    }
}
