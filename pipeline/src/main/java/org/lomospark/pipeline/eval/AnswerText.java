package org.lomospark.pipeline.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Answer texts compared the way the official ReCoRD scorer (after SQuAD's) compares them: after normalizing,
 * exactly or by the overlap of their words.
 *
 * <pre>{@code
 * AnswerText.normalize("The U.S.  Army!");        // "us army"
 * AnswerText.f1("Barack Obama", "Obama");          // 2/3
 * }</pre>
 */
final class AnswerText {
    /** Python's {@code string.punctuation}, which the official scorer drops: ASCII only, so "é" or "—" stay. */
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    // Unicode word boundaries, as Python's re gives for a str pattern
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private AnswerText() {}

    /**
     * Lowercase, drop punctuation (removed, not replaced: "U.S." becomes "us"), then the words a/an/the, then
     * collapse whitespace to single spaces, in that order.
     */
    static String normalize(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        StringBuilder kept = new StringBuilder(lower.length());
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            if (PUNCTUATION.indexOf(c) < 0) {
                kept.append(c);
            }
        }
        String noArticles = ARTICLES.matcher(kept).replaceAll(" ");
        return WHITESPACE.matcher(noArticles).replaceAll(" ").strip();
    }

    static boolean exactMatch(String prediction, String gold) {
        return normalize(prediction).equals(normalize(gold));
    }

    /**
     * The F1 of the normalized words as bags: shared words (each as often as it is in both) over the prediction's
     * (precision) and over the gold's (recall); 0 when none is shared, so also when either is empty.
     */
    static double f1(String prediction, String gold) {
        List<String> predicted = words(prediction);
        List<String> expected = words(gold);
        Map<String, Integer> left = new HashMap<>();
        expected.forEach(w -> left.merge(w, 1, Integer::sum));
        int shared = 0;
        for (String w : predicted) {
            if (left.getOrDefault(w, 0) > 0) {
                left.merge(w, -1, Integer::sum);
                shared++;
            }
        }
        if (shared == 0) {
            return 0;
        }
        double precision = (double) shared / predicted.size();
        double recall = (double) shared / expected.size();
        return 2 * precision * recall / (precision + recall);
    }

    private static List<String> words(String text) {
        String normalized = normalize(text);
        return normalized.isEmpty() ? List.of() : List.of(normalized.split(" "));
    }
}
