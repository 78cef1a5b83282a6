package org.lomospark.datasets.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.lomospark.datasets.superglue.BoolQ;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;

/**
 * A made-up BoolQ that the tiny byte-level model learns in a few hundred LOMO steps (well under a minute on one
 * CPU core): proof that prepared data reaches the trainer and that evaluation measures what training taught.
 *
 * <p>The passage says someone left a box open or shut; the question asks whether it is open, or whether it is
 * shut. The answer is yes exactly when the question's word is the passage's:
 * <pre>
 * passage:  "Ann left the kite box open."     question: "is ann's kite box open"   label: true
 * passage:  "Bo kept the cup box open."       question: "is bo's cup box shut"     label: false
 * </pre>
 * Labels are balanced in every split, and the answer needs both texts: the passage's word alone says nothing
 * without the question's, and the question alone says nothing at all. In val and test the question asks "open"
 * and "shut" equally often, so reading only the passage scores chance there. In train it asks "open" 70% of
 * the time: there, "yes when the passage says open" is right 70% of the time, a foothold plain SGD (LOMO) finds
 * within a few hundred steps, from which the tiny model then learns the whole rule. (Measured: with both asked
 * equally often in train, none of three seeds left chance in 800 clipped steps; a rule comparing two of nine box
 * numbers left two of three seeds at chance after 2000 steps.)
 * No (passage, question) pair repeats, across splits included, so val accuracy measures the rule, not memory.
 *
 * <p>Files are written in the official BoolQ layout ({@code question, passage, idx, label}; test without label)
 * and read by the ordinary BoolQ reader. With the paper's template a prompt is under 64 bytes.
 *
 * <pre>
 * SyntheticBoolQ.write(Path.of("data/synthetic"), SyntheticBoolQ.SEED, 2000, 200, 100); // data/synthetic/BoolQ/*.jsonl
 * </pre>
 */
public final class SyntheticBoolQ {
    /** The seed of the files shipped under {@code samples/synthetic}. */
    public static final long SEED = 7;
    /** The sizes of the shipped files. */
    public static final int TRAIN = 2000;
    public static final int VAL = 200;
    public static final int TEST = 100;

    static final List<String> NAMES = List.of("Ann", "Bo", "Cal", "Dee", "Eli", "Fay", "Gus", "Ivy", "Jo", "Kim",
            "Lou", "Max", "Ned", "Oz", "Pam", "Quin", "Ray", "Sue", "Tom", "Uma", "Val", "Wes", "Xia", "Yan", "Zoe",
            "Ada", "Ben", "Cy", "Dot", "Eve", "Finn", "Gil", "Hal", "Ida", "Jay", "Kai", "Liv", "Mo", "Nia", "Otto");
    static final List<String> THINGS = List.of("kite", "cup", "hat", "car", "boat", "lamp", "bike", "ball", "coat",
            "vase", "drum", "sock", "pen", "book", "fan", "jar");
    static final List<String> VERBS = List.of("left", "kept");
    static final String OPEN = "open";
    static final String SHUT = "shut";
    /** How often a train question asks "open" (val and test: half the time). */
    static final double TRAIN_ASKS_OPEN = 0.7;

    /** Draws before giving up on finding a pair not used yet. */
    private static final int MAX_ATTEMPTS = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SplittableRandom random;
    private final Set<String> seen = new HashSet<>();

    private SyntheticBoolQ(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /**
     * Records for the three splits, drawn from one stream in the order train, val, test, so a seed always gives
     * the same files; test records carry no label.
     */
    public static Map<Split, List<BoolQ>> generate(long seed, int train, int val, int test) {
        SyntheticBoolQ g = new SyntheticBoolQ(seed);
        Map<Split, List<BoolQ>> out = new EnumMap<>(Split.class);
        out.put(Split.TRAIN, g.split(train, TRAIN_ASKS_OPEN, true));
        out.put(Split.VAL, g.split(val, 0.5, true));
        out.put(Split.TEST, g.split(test, 0.5, false));
        return out;
    }

    /** Writes {@code <root>/BoolQ/{train,val,test}.jsonl}. */
    public static void write(Path root, long seed, int train, int val, int test) throws IOException {
        Path dir = Files.createDirectories(SuperGlueTask.BOOLQ.file(root, Split.TRAIN).getParent());
        for (Map.Entry<Split, List<BoolQ>> e : generate(seed, train, val, test).entrySet()) {
            StringBuilder lines = new StringBuilder();
            for (BoolQ r : e.getValue()) {
                lines.append(jsonLine(r)).append('\n');
            }
            Files.writeString(dir.resolve(e.getKey().fileName()), lines, StandardCharsets.UTF_8);
        }
    }

    /** One line in the official field order; no label field when the label is null (test). */
    public static String jsonLine(BoolQ r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("question", r.question());
        n.put("passage", r.passage());
        n.put("idx", r.idx());
        if (r.label() != null) {
            n.put("label", r.label());
        }
        try {
            return JSON.writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Regenerates the shipped files: {@code SyntheticBoolQ <root>}, e.g. datasets/src/main/resources/samples/synthetic. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: SyntheticBoolQ <output root>");
        }
        write(Path.of(args[0]), SEED, TRAIN, VAL, TEST);
    }

    /**
     * {@code n} records in random order: half of them true (the odd one out true), and of each label, the share
     * {@code asksOpen} (rounded) asking "open".
     */
    private List<BoolQ> split(int n, double asksOpen, boolean labeled) {
        List<boolean[]> draws = new ArrayList<>(); // {label, asks open}
        int yes = (n + 1) / 2;
        for (int[] group : new int[][] {{1, yes}, {0, n - yes}}) {
            int open = (int) Math.round(group[1] * asksOpen);
            for (int i = 0; i < group[1]; i++) {
                draws.add(new boolean[] {group[0] == 1, i < open});
            }
        }
        shuffle(draws);
        List<BoolQ> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(record(i, draws.get(i)[0], draws.get(i)[1], labeled));
        }
        return out;
    }

    private BoolQ record(long idx, boolean label, boolean asksOpen, boolean labeled) {
        String asked = asksOpen ? OPEN : SHUT;
        String state = label == asksOpen ? OPEN : SHUT;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            String name = pick(NAMES);
            String thing = pick(THINGS);
            String passage = name + " " + pick(VERBS) + " the " + thing + " box " + state + ".";
            String question = "is " + name.toLowerCase(Locale.ROOT) + "'s " + thing + " box " + asked;
            if (seen.add(passage + "\n" + question)) {
                return new BoolQ(idx, passage, question, labeled ? label : null);
            }
        }
        throw new IllegalArgumentException("ran out of distinct (passage, question) pairs asking " + asked + " about "
                + state + " (" + NAMES.size() * THINGS.size() * VERBS.size() + " exist): ask for fewer records");
    }

    private <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    private <T> void shuffle(List<T> list) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
