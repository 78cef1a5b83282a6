package org.lomospark.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.prepare.PrepareSpec;
import org.lomospark.datasets.prepare.PrepareStage;
import org.lomospark.datasets.prompt.Candidate;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.trainer.io.HfCheckpoint;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Threads;

/**
 * Hand-written MultiRC and ReCoRD val files in the official layout, through the prepare job, scored by a tiny
 * random model on the driver and by Spark tasks: the reported SuperGLUE metrics are those worked out here from
 * each prediction and the answers written into the files.
 */
class MultiRcRecordEvaluationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * MultiRC: each answer option's label by group {@code paragraph/question/answer}; the file is written from it.
     * Question 1/3 has no correct option, so a model that answers No throughout still gets one question exactly.
     */
    private static final Map<String, Integer> MULTIRC_LABELS = Map.of(
            "0/0/0", 1, "0/0/1", 0, "0/0/2", 1, "0/1/3", 1, "0/1/4", 0, "1/2/5", 1, "1/2/6", 0, "1/3/7", 0, "1/3/8", 0);

    private static final String PASSAGE_0 = "Barack Obama met Michelle Obama in Chicago. Obama later moved to the"
            + " White House, a big house, and Obama stayed.";
    private static final String PASSAGE_1 = "The Beatles played in Hamburg before the Rolling Stones toured.";
    /** ReCoRD: each query's candidates (distinct entity texts, first mention first) and gold answer texts. */
    private static final List<String> CANDIDATES_0 = List.of("Barack Obama", "Michelle Obama", "Chicago", "Obama",
            "White House", "big house");
    private static final List<String> CANDIDATES_1 = List.of("The Beatles", "Hamburg", "Rolling Stones");
    private static final Map<String, List<String>> GOLD = Map.of(
            "0/0", List.of("Barack Obama", "Obama", "Obama"), // "Obama" is the answer at two spans
            "0/1", List.of("White House"),
            "1/2", List.of("The Beatles"));
    /**
     * Worked out by hand: per query, per candidate, {exact match, F1} against the best gold answer. "Michelle
     * Obama" vs "Obama": 1 shared word, precision 1/2, recall 1: 2/3 (vs "Barack Obama" only 1/2); "big house"
     * vs "White House": precision 1/2, recall 1/2: 1/2.
     */
    private static final Map<String, double[][]> RECORD_SCORES = Map.of(
            "0/0", new double[][] {{1, 1}, {0, 2.0 / 3}, {0, 0}, {1, 1}, {0, 0}, {0, 0}},
            "0/1", new double[][] {{0, 0}, {0, 0}, {0, 0}, {0, 0}, {1, 1}, {0, 0.5}},
            "1/2", new double[][] {{1, 1}, {0, 0}, {0, 0}});

    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = LocalSpark.start("MultiRcRecordEvaluationTest");
        Threads.set(1);
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    @Test
    void reportedMultiRcAndRecordMetricsAreThoseOfThePredictions() throws Exception {
        Path input = dir.resolve("superglue");
        writeMultiRc(input.resolve("MultiRC/val.jsonl"));
        writeRecord(input.resolve("ReCoRD/val.jsonl"));
        String prepared = dir.resolve("prepared").toString();
        PrepareStage.run(spark, PrepareSpec.builder(prepared)
                .superGlue(input.toString(), List.of(SuperGlueTask.MULTIRC, SuperGlueTask.RECORD), List.of(Split.VAL))
                .maxBadFraction(0).build());
        List<Candidate> val = EvalCandidates.collect(spark.read().parquet(PrepareStage.evalTable(prepared)), "val");
        assertEquals(2 * 9 + 2 * 6 + 3, val.size(), "MultiRC: Yes/No per answer option; ReCoRD: one per entity");

        int pad = new ByteTokenizer().pad();
        Path modelDir = dir.resolve("model");
        Files.createDirectories(modelDir);
        EvalReport driver;
        try (PointerScope scope = new PointerScope();
             LlamaModel model = LlamaModel.create(LlamaConfig.preset("tiny"), Placement.cpu(ScalarType.Float), 11)) {
            driver = new CandidateScorer(model, 8, pad).evaluate(val);
            model.config().writeTo(modelDir, model.placement().torchDtypeName());
            HfCheckpoint.save(modelDir, model.namedParameters(), Long.MAX_VALUE);
        }
        List<Prediction> multiRc = of(driver, "MultiRC");
        List<Prediction> record = of(driver, "ReCoRD");
        assertEquals(9, multiRc.size());
        assertEquals(3, record.size());

        Map<String, Double> multiRcExpected = multiRcByHand(multiRc);
        assertEquals(multiRcExpected.get("f1a"), driver.task("MultiRC").metrics().get(TaskResult.F1A), 1e-12);
        assertEquals(multiRcExpected.get("em"), driver.task("MultiRC").metrics().get(TaskResult.EXACT_MATCH), 1e-12);
        Map<String, Double> recordExpected = recordByHand(record);
        assertEquals(recordExpected.get("f1"), driver.task("ReCoRD").metrics().get(TaskResult.F1), 1e-12);
        assertEquals(recordExpected.get("em"), driver.task("ReCoRD").metrics().get(TaskResult.EXACT_MATCH), 1e-12);
        System.out.print(driver.table());

        // Spark tasks split by group: a MultiRC question's options may land in different tasks
        EvalReport distributed = EvaluateStage.run(spark, modelDir.toUri().toString(), prepared, "val", 3, 4, pad,
                "cpu", "f32");
        assertEquals(driver.predictions().stream().map(MultiRcRecordEvaluationTest::outcome).sorted().toList(),
                distributed.predictions().stream().map(MultiRcRecordEvaluationTest::outcome).sorted().toList());
        for (String task : List.of("MultiRC", "ReCoRD")) {
            Map<String, Double> a = driver.task(task).metrics();
            Map<String, Double> b = distributed.task(task).metrics();
            assertEquals(a.keySet(), b.keySet(), task);
            a.forEach((name, value) -> assertEquals(value, b.get(name), 1e-12, task + " " + name));
        }
        // scoring on GPUs needs GPUs from Spark's scheduler: local mode assigns none, and the task says so
        Exception noGpu = assertThrows(Exception.class, () -> EvaluateStage.run(spark, modelDir.toUri().toString(),
                prepared, "val", 1, 4, pad, "cuda", "bf16"));
        assertTrue(String.valueOf(noGpu.getMessage()).contains("device is cuda but Spark gave task 0"),
                noGpu.getMessage());
    }

    private static List<Prediction> of(EvalReport report, String task) {
        return report.predictions().stream().filter(p -> p.task().equals(task)).toList();
    }

    /** What a prediction decided, independent of score rounding. */
    private static String outcome(Prediction p) {
        return p.task() + " " + p.group() + " " + p.question() + " " + p.predicted() + " " + p.gold() + " "
                + p.labels() + " " + p.goldLabels();
    }

    /** F1 over all options (positive: the answer is correct) and the share of questions with every option right. */
    private static Map<String, Double> multiRcByHand(List<Prediction> predictions) {
        int tp = 0;
        int fp = 0;
        int fn = 0;
        Map<String, Boolean> questionRight = new LinkedHashMap<>();
        for (Prediction p : predictions) {
            assertEquals(List.of("1", "0"), p.labels(), "the paper's template: Yes (label 1) then No");
            int gold = MULTIRC_LABELS.get(p.group());
            assertEquals(List.of(String.valueOf(gold)), p.goldLabels(), p.group());
            int predicted = p.predicted() == 0 ? 1 : 0;
            tp += predicted == 1 && gold == 1 ? 1 : 0;
            fp += predicted == 1 && gold == 0 ? 1 : 0;
            fn += predicted == 0 && gold == 1 ? 1 : 0;
            String question = p.group().substring(0, p.group().lastIndexOf('/'));
            questionRight.merge(question, predicted == gold, (x, y) -> x && y);
        }
        assertEquals(4, questionRight.size());
        double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        double em = (double) questionRight.values().stream().filter(b -> b).count() / questionRight.size();
        return Map.of("f1a", f1, "em", em);
    }

    /** Per query the hand-worked scores of the predicted candidate, averaged. */
    private static Map<String, Double> recordByHand(List<Prediction> predictions) {
        double em = 0;
        double f1 = 0;
        for (Prediction p : predictions) {
            assertEquals(p.group().startsWith("0/") ? CANDIDATES_0 : CANDIDATES_1, p.labels(), p.group());
            assertEquals(GOLD.get(p.group()), p.goldLabels(), p.group());
            double[] scores = RECORD_SCORES.get(p.group())[p.predicted()];
            em += scores[0];
            f1 += scores[1];
        }
        return Map.of("em", em / predictions.size(), "f1", f1 / predictions.size());
    }

    /** Two paragraphs, four questions, nine answer options, labels from {@link #MULTIRC_LABELS}. */
    private static void writeMultiRc(Path file) throws Exception {
        ObjectNode p0 = multiRcLine(0, "Rosa sold bread at the market. Tom bought two loaves and a fish.",
                question(0, "What did Rosa sell?", answer(0, 0, 0, "Bread"), answer(0, 0, 1, "Fish"),
                        answer(0, 0, 2, "Loaves of bread")),
                question(1, "Who bought bread?", answer(0, 1, 3, "Tom"), answer(0, 1, 4, "Rosa")));
        ObjectNode p1 = multiRcLine(1, "The river froze in January. Children skated on it.",
                question(2, "When did the river freeze?", answer(1, 2, 5, "January"), answer(1, 2, 6, "In summer")),
                question(3, "What froze in July?", answer(1, 3, 7, "The river"), answer(1, 3, 8, "The children")));
        write(file, List.of(p0.toString(), p1.toString()));
    }

    private static ObjectNode answer(int paragraph, int question, int idx, String text) {
        return JSON.createObjectNode().put("text", text).put("idx", idx)
                .put("label", MULTIRC_LABELS.get(paragraph + "/" + question + "/" + idx));
    }

    private static ObjectNode question(int idx, String text, ObjectNode... answers) {
        ObjectNode q = JSON.createObjectNode().put("question", text);
        q.putArray("answers").addAll(List.of(answers));
        return q.put("idx", idx);
    }

    private static ObjectNode multiRcLine(int idx, String text, ObjectNode... questions) {
        ObjectNode line = JSON.createObjectNode().put("idx", idx).put("version", 1.1);
        line.putObject("passage").put("text", text).putArray("questions").addAll(List.of(questions));
        return line;
    }

    /** Entities in passage order; "Obama" is mentioned four times, twice on its own (occurrences 2 and 3). */
    private static void writeRecord(Path file) throws Exception {
        String p0 = PASSAGE_0;
        ObjectNode r0 = recordLine(0, p0, span(p0, "Barack Obama", 0), span(p0, "Michelle Obama", 0),
                span(p0, "Chicago", 0), span(p0, "Obama", 2), span(p0, "White House", 0), span(p0, "big house", 0),
                span(p0, "Obama", 3));
        ArrayNode qas0 = r0.putArray("qas");
        qas0.add(query(0, "@placeholder was elected president.", p0, span(p0, "Barack Obama", 0),
                span(p0, "Obama", 2), span(p0, "Obama", 3)));
        qas0.add(query(1, "The family moved into the @placeholder.", p0, span(p0, "White House", 0)));
        String p1 = PASSAGE_1;
        ObjectNode r1 = recordLine(1, p1, span(p1, "The Beatles", 0), span(p1, "Hamburg", 0),
                span(p1, "Rolling Stones", 0));
        r1.putArray("qas").add(query(2, "@placeholder came from Liverpool.", p1, span(p1, "The Beatles", 0)));
        write(file, List.of(r0.toString(), r1.toString()));
    }

    /** The {@code n}th occurrence of {@code text} (from 0) as start and inclusive end, as the official files. */
    private static int[] span(String passage, String text, int n) {
        int at = -1;
        for (int i = 0; i <= n; i++) {
            at = passage.indexOf(text, at + 1);
        }
        return new int[] {at, at + text.length() - 1};
    }

    private static ObjectNode recordLine(int idx, String text, int[]... entities) {
        ObjectNode line = JSON.createObjectNode().put("source", "Invented").put("idx", idx);
        ArrayNode es = line.putObject("passage").put("text", text).putArray("entities");
        for (int[] e : entities) {
            es.addObject().put("start", e[0]).put("end", e[1]);
        }
        return line;
    }

    private static ObjectNode query(int idx, String text, String passage, int[]... answers) {
        ObjectNode q = JSON.createObjectNode().put("query", text).put("idx", idx);
        ArrayNode as = q.putArray("answers");
        for (int[] a : answers) {
            as.addObject().put("start", a[0]).put("end", a[1]).put("text", passage.substring(a[0], a[1] + 1));
        }
        return q;
    }

    private static void write(Path file, List<String> lines) throws Exception {
        Files.createDirectories(file.getParent());
        Files.write(file, lines);
    }
}
