package org.lomospark.datasets.prompt;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.tokenize.Tokenizer;

/**
 * One question of a record before tokenizing: its prompt template with the field values, its answers, and
 * the field that is its passage ({@link TaskSchema#passage()}), the one cut when the question is too long.
 *
 * <p>A cut keeps the beginning of the passage and drops its end, with no marker: the longest prefix ending at a
 * word (followed by whitespace in the passage) whose prompt fits; only when not even the first word fits, the
 * longest prefix of that word, whole characters. A cut question keeps the answers of the whole one, same text
 * and same tokens, and its prompt still ends in no whitespace (see {@link Rendered}).
 */
final class Question {
    private final Rendered whole;
    private final Labels labels;
    private final Template prompt;
    private final Map<String, String> fields;
    /** null when the task has no passage. */
    private final String passageField;

    Question(SuperGlueTask task, String group, Template prompt, Map<String, String> fields, List<String> answers,
             int gold, Labels labels) {
        if (labels.labels().size() != answers.size()) {
            throw new IllegalArgumentException(task.dirName() + " " + group + ": " + answers.size() + " answers but "
                    + labels.labels().size() + " labels " + labels.labels());
        }
        this.labels = labels;
        this.prompt = prompt;
        this.fields = Map.copyOf(fields);
        this.passageField = TaskSchema.of(task).passage();
        this.whole = Rendered.of(task.dirName(), group, prompt.render(fields), answers, gold);
    }

    /** The question as text, nothing cut. */
    Rendered whole() {
        return whole;
    }

    /** What the answers mean to the scoring. */
    Labels labels() {
        return labels;
    }

    /** The prompt tokens of a row, and what was cut from the passage to get them; {@code cut} null when nothing. */
    record Fit(int[] prompt, Fitted.Cut cut) {}

    /**
     * The prompt tokens such that {@code extra} more tokens still fit {@code maxLength}, cutting the passage when
     * the whole prompt does not. Every probe renders and encodes the whole prompt: a BPE tokenizer may merge
     * across the cut, so token counts of pieces do not add up. Only a prompt that does not fit pays for the
     * search, about log2(words in the passage) encodes.
     *
     * <p>The search is a binary search, which finds the longest fitting prefix when a longer prefix never has
     * fewer tokens (always so for {@code ByteTokenizer}). A tokenizer for which that fails may get a shorter
     * prefix than the longest; the result fits in every case, since only a prefix that was measured to fit is
     * kept.
     *
     * @param extra the row's tokens besides the prompt: bos, the answer (the longest, for candidates), eos if any
     * @throws TooLongException when the prompt does not fit with the passage cut to nothing, or there is no passage
     */
    Fit fit(Tokenizer t, int extra, int maxLength) {
        int budget = maxLength - extra;
        int[] tokens = t.encode(whole.prompt());
        if (tokens.length <= budget) {
            return new Fit(tokens, null);
        }
        if (passageField == null) {
            throw new TooLongException(whole.task(), whole.group(), extra + tokens.length, null, maxLength);
        }
        int[] bare = t.encode(cut(0));
        if (bare.length > budget) {
            throw new TooLongException(whole.task(), whole.group(), extra + bare.length, passageField, maxLength);
        }
        String passage = fields.get(passageField);
        IntPredicate fits = keep -> t.encode(cut(keep)).length <= budget;
        int keep = longest(wordEnds(passage), fits);
        if (keep == 0) {
            keep = longest(insideFirstWord(passage), fits);
        }
        int[] kept = t.encode(cut(keep));
        return new Fit(kept, new Fitted.Cut(whole.group(), passage.length() - keep, tokens.length - kept.length));
    }

    /**
     * The prompt with only the first {@code keep} chars of the passage, less trailing whitespace. The answers stay
     * those of the whole question, with the whitespace that led them there: it differs from this prompt's only
     * when the passage ends the prompt and itself ends in whitespace, or is cut to nothing after literal
     * whitespace of the template, and there a changed answer would be a worse surprise than a changed space.
     */
    private String cut(int keep) {
        Map<String, String> shorter = new HashMap<>(fields);
        shorter.put(passageField, fields.get(passageField).substring(0, keep));
        return prompt.render(shorter).stripTrailing();
    }

    /** The largest of {@code keeps} (ascending) that fits; 0, known to fit, when none does. */
    private static int longest(int[] keeps, IntPredicate fits) {
        int lo = -1;  // keeps[lo] fits; -1 stands for 0
        int hi = keeps.length;  // keeps[hi] does not; keeps.length stands for the whole passage
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (fits.test(keeps[mid])) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo < 0 ? 0 : keeps[lo];
    }

    /** Lengths of the prefixes that end a word and are followed by whitespace: the passage itself is not one. */
    private static int[] wordEnds(String passage) {
        return IntStream.range(1, passage.length())
                .filter(k -> !Character.isWhitespace(passage.charAt(k - 1))
                        && Character.isWhitespace(passage.charAt(k)))
                .toArray();
    }

    /** Lengths of the prefixes that end inside the first word, after a whole character. */
    private static int[] insideFirstWord(String passage) {
        int[] ends = wordEnds(passage);
        int first = ends.length > 0 ? ends[0] : passage.length();
        return IntStream.range(1, first)
                .filter(k -> !Character.isWhitespace(passage.charAt(k - 1))
                        && !Character.isSurrogatePair(passage.charAt(k - 1), passage.charAt(k)))
                .toArray();
    }
}
