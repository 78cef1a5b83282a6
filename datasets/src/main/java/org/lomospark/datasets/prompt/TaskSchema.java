package org.lomospark.datasets.prompt;

import java.util.List;
import java.util.Set;
import org.lomospark.datasets.superglue.Cb;
import org.lomospark.datasets.superglue.Copa;
import org.lomospark.datasets.superglue.Rte;
import org.lomospark.datasets.superglue.SuperGlueTask;

/**
 * What a task's entry in a template file must say, and the placeholders it may use.
 *
 * @param variants     empty: {@code "prompt"} is one template; else an object with exactly these keys
 * @param promptFields the placeholders of the prompt
 * @param labels       non-empty: {@code "answers"} maps exactly these labels (the dataset's own spelling) to
 *                     fixed answer texts, candidates in this order; empty: {@code "answer"} is one template
 *                     rendered per candidate
 * @param answerFields the placeholders of that {@code "answer"} template
 * @param passage      the prompt field cut from its end when a question exceeds the length limit, the long
 *                     context the question is about; null for tasks with none (COPA, WiC), which are never cut
 */
record TaskSchema(List<String> variants, Set<String> promptFields, List<String> labels, Set<String> answerFields,
                  String passage) {
    private static final List<String> YES_NO = List.of("true", "false");

    TaskSchema {
        if (passage != null && !promptFields.contains(passage)) {
            throw new IllegalArgumentException("passage '" + passage + "' is not a prompt field " + promptFields);
        }
    }

    static TaskSchema of(SuperGlueTask task) {
        return switch (task) {
            case BOOLQ -> fixed(Set.of("passage", "question"), YES_NO, "passage");
            case CB -> fixed(Set.of("premise", "hypothesis"), Cb.LABELS, "premise");
            // COPA's premise is one sentence, the whole question: nothing to cut
            case COPA -> new TaskSchema(Copa.QUESTIONS, Set.of("premise"), List.of(), Set.of("choice"), null);
            case MULTIRC -> fixed(Set.of("paragraph", "question", "answer"), List.of("1", "0"), "paragraph");
            case RECORD -> new TaskSchema(List.of(), Set.of("passage", "query_before"), List.of(),
                    Set.of("entity", "query_after"), "passage");
            case RTE -> fixed(Set.of("premise", "hypothesis"), Rte.LABELS, "premise");
            // WiC asks about both sentences: neither is context that could go
            case WIC -> fixed(Set.of("word", "sentence1", "sentence2"), YES_NO, null);
            case WSC -> fixed(Set.of("text", "span1_text", "span2_text"), YES_NO, "text");
        };
    }

    private static TaskSchema fixed(Set<String> promptFields, List<String> labels, String passage) {
        return new TaskSchema(List.of(), promptFields, labels, Set.of(), passage);
    }
}
