package org.lomospark.datasets.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.superglue.SuperGlueTask;

class PromptTemplatesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The paper's file with one edit, written to {@code dir}. */
    private Path paperWith(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root;
        try (InputStream in = getClass().getResourceAsStream("/prompts/superglue-paper.json")) {
            root = (ObjectNode) JSON.readTree(in);
        }
        edit.accept(root);
        Path file = dir.resolve("prompts.json");
        JSON.writeValue(file.toFile(), root);
        return file;
    }

    private String error(Consumer<ObjectNode> edit) throws Exception {
        Path file = paperWith(edit);
        return assertThrows(IllegalArgumentException.class, () -> PromptTemplates.load(file)).getMessage();
    }

    @Test
    void paperSetHasEveryTask() {
        PromptTemplates paper = PromptTemplates.paper();
        for (SuperGlueTask task : SuperGlueTask.values()) {
            assertEquals(TaskSchema.of(task).labels(), paper.task(task).labels(), task.toString());
        }
        assertEquals(List.of(" Yes", " No", " Maybe"), paper.task(SuperGlueTask.CB).fixedAnswers());
    }

    @Test
    void anUnchangedCopyLoadsFromAPath() throws Exception {
        Path file = paperWith(root -> { });
        assertEquals(List.of(" Yes", " No"), PromptTemplates.load(file).task(SuperGlueTask.WSC).fixedAnswers());
    }

    @Test
    void missingTaskIsNamedWithTheFile() throws Exception {
        assertEquals(dir.resolve("prompts.json") + ": no template for task 'WSC'", error(root -> root.remove("WSC")));
    }

    @Test
    void unknownPlaceholderIsNamedWithTheFileAndTask() throws Exception {
        assertEquals(dir.resolve("prompts.json") + ": task 'RTE': 'prompt': unknown placeholder {premis}"
                        + " (allowed: [hypothesis, premise])",
                error(root -> ((ObjectNode) root.get("RTE")).put("prompt", "{premis} {hypothesis}")));
    }

    @Test
    void placeholderOfTheAnswerIsNotAllowedInThePrompt() throws Exception {
        assertEquals(dir.resolve("prompts.json") + ": task 'COPA': 'prompt.cause': unknown placeholder {choice}"
                        + " (allowed: [premise])",
                error(root -> ((ObjectNode) root.get("COPA").get("prompt")).put("cause", "{premise} {choice}")));
    }

    @Test
    void unknownTaskMissingLabelAndUnknownKeyAreNamed() throws Exception {
        assertEquals(dir.resolve("prompts.json") + ": unknown task 'BoolQQ' (tasks: [BoolQ, CB, COPA, MultiRC,"
                + " ReCoRD, RTE, WiC, WSC])", error(root -> root.set("BoolQQ", root.get("BoolQ"))));
        assertEquals(dir.resolve("prompts.json") + ": task 'CB': missing key 'answers.neutral'",
                error(root -> ((ObjectNode) root.get("CB").get("answers")).remove("neutral")));
        assertEquals(dir.resolve("prompts.json") + ": task 'WiC': unknown key 'answer' (expected [prompt, answers])",
                error(root -> ((ObjectNode) root.get("WiC")).put("answer", " Yes")));
    }
}
