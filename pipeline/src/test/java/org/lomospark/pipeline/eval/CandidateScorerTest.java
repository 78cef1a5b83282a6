package org.lomospark.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lomospark.datasets.prompt.Candidate;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Tensors;

class CandidateScorerTest {
    private static final int PAD = 258;
    private static LlamaModel model;

    @BeforeAll
    static void model() {
        model = LlamaModel.create(LlamaConfig.preset("tiny"), Placement.cpu(ScalarType.Float), 5);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Questions of two or three candidates with prompts and answers of random lengths. */
    private static List<Candidate> candidates(int questions, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Candidate> out = new ArrayList<>();
        for (int q = 0; q < questions; q++) {
            int[] prompt = random.ints(1 + random.nextInt(30), 0, 256).toArray();
            int choices = 2 + random.nextInt(2);
            int gold = random.nextInt(choices);
            for (int c = 0; c < choices; c++) {
                int[] answer = random.ints(1 + random.nextInt(6), 0, 256).toArray();
                int[] tokens = new int[1 + prompt.length + answer.length];
                tokens[0] = 256;
                System.arraycopy(prompt, 0, tokens, 1, prompt.length);
                System.arraycopy(answer, 0, tokens, 1 + prompt.length, answer.length);
                out.add(new Candidate(q % 2 == 0 ? "A" : "B", "q" + q, c, gold, tokens, 1 + prompt.length, "q" + q,
                        String.valueOf(c), List.of(String.valueOf(gold))));
            }
        }
        return out;
    }

    @Test
    void meanLogLikelihoodMatchesAHandWrittenLogSoftmaxOfEachCandidateAlone() {
        List<Candidate> cs = candidates(7, 1);
        double[] batched = new CandidateScorer(model, 4, PAD).meanLogLikelihoods(cs);
        for (int i = 0; i < cs.size(); i++) {
            assertEquals(reference(cs.get(i)), batched[i], 1e-4, "candidate " + i);
        }
    }

    @Test
    void scoresDoNotDependOnTheBatchSize() {
        List<Candidate> cs = candidates(9, 2);
        double[] one = new CandidateScorer(model, 1, PAD).meanLogLikelihoods(cs);
        double[] three = new CandidateScorer(model, 3, PAD).meanLogLikelihoods(cs);
        double[] all = new CandidateScorer(model, 100, PAD).meanLogLikelihoods(cs);
        assertArrayEquals(one, three, 1e-4);
        assertArrayEquals(one, all, 1e-4);
    }

    @Test
    void predictionIsTheHighestScoringCandidateOfEachGroup() {
        List<Candidate> cs = candidates(6, 3);
        double[] scores = new CandidateScorer(model, 8, PAD).meanLogLikelihoods(cs);
        List<Prediction> predictions = new CandidateScorer(model, 8, PAD).predict(cs);
        assertEquals(6, predictions.size());
        int row = 0;
        for (Prediction p : predictions) {
            int best = 0;
            for (int c = 0; c < p.scores().length; c++) {
                assertEquals(scores[row + c], p.scores()[c], 1e-4);
                best = p.scores()[c] > p.scores()[best] ? c : best;
            }
            assertEquals(best, p.predicted(), p.group());
            row += p.scores().length;
        }
    }

    @Test
    void reportHasAccuracyAndMajorityBaselinePerTaskOverLabeledQuestions() {
        List<Prediction> p = List.of(
                prediction("A", "1", new double[] {-1, -2}, 0, 0),
                prediction("A", "2", new double[] {-2, -1}, 1, 0),
                prediction("A", "3", new double[] {-2, -1}, 1, 1),
                prediction("A", "4", new double[] {-2, -1}, 1, -1), // unlabeled: in no metric
                prediction("B", "1", new double[] {-1, -2, -3}, 0, 2),
                prediction("C", "1", new double[] {-1, -2}, 0, -1));
        EvalReport report = EvalReport.of(p);
        assertEquals(List.of("A", "B"), report.tasks().stream().map(TaskResult::task).toList());
        assertEquals(3, report.task("A").groups());
        assertEquals(2.0 / 3, report.task("A").accuracy(), 1e-12);
        assertEquals(2.0 / 3, report.task("A").majorityBaseline(), 1e-12);
        assertEquals(0.0, report.task("B").accuracy());
        assertEquals(1.0, report.task("B").majorityBaseline());
        assertEquals(6, report.predictions().size());
        assertTrue(report.table().contains("accuracy 0.6667"), report.table());
        assertThrows(IllegalArgumentException.class, () -> report.task("C"));
        assertEquals(List.of(TaskResult.ACCURACY), List.copyOf(report.task("A").metrics().keySet()),
                "a task SuperGLUE scores by accuracy gets no other metric");
    }

    /** A prediction of a task scored by accuracy: its own question, candidates labeled by index. */
    private static Prediction prediction(String task, String group, double[] scores, int predicted, int gold) {
        List<String> labels = java.util.stream.IntStream.range(0, scores.length).mapToObj(String::valueOf).toList();
        return new Prediction(task, group, scores, predicted, gold, group, labels,
                gold < 0 ? List.of() : List.of(labels.get(gold)));
    }

    @Test
    void inconsistentGroupsAreRejectedNamingTheGroup() {
        int[] tokens = {256, 1, 2, 3};
        CandidateScorer scorer = new CandidateScorer(model, 4, PAD);
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> scorer.predict(List.of(
                candidate(0, 0, tokens, "g"), candidate(0, 0, tokens, "g"))));
        assertEquals("A group g: candidate indices must be 0..1 once each, got [0, 0]", twice.getMessage());
        IllegalArgumentException gold = assertThrows(IllegalArgumentException.class, () -> scorer.predict(List.of(
                candidate(0, 0, tokens, "g"), candidate(1, 1, tokens, "g"))));
        assertEquals("A group g: rows disagree on gold (0 and 1)", gold.getMessage());
        IllegalArgumentException question = assertThrows(IllegalArgumentException.class, () -> scorer.predict(
                List.of(candidate(0, 0, tokens, "g"), candidate(1, 0, tokens, "h"))));
        assertEquals("A group g: rows disagree on question or gold labels (g [0] and h [0])", question.getMessage());
    }

    private static Candidate candidate(int index, int gold, int[] tokens, String question) {
        return new Candidate("A", "g", index, gold, tokens, 2, question, String.valueOf(index),
                List.of(String.valueOf(gold)));
    }

    /** Mean log-probability of the answer tokens from the model's hidden states, one candidate, no padding. */
    private static double reference(Candidate c) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            int[] tokens = c.tokens();
            long[] ids = new long[tokens.length - 1];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = tokens[t];
            }
            Tensor h = model.hidden(Tensors.fromLongs(ids, 1, ids.length), null).squeeze(0); // (T, C)
            Tensor rms = h.pow(new Scalar(2)).mean(new long[] {-1}, true, new ScalarTypeOptional())
                    .add(new Scalar(model.config().rmsNormEps())).rsqrt(); // (T, 1)
            Tensor normed = h.mul(rms).mul(model.namedParameters().get("model.norm.weight"));
            Tensor logp = torch.log_softmax(torch.linear(normed, model.head().weight()), 1); // (T, V)
            float[] lp = Tensors.toFloats(logp);
            int vocab = model.config().vocabSize();
            double sum = 0;
            for (int t = c.answerStart() - 1; t < ids.length; t++) {
                sum += lp[t * vocab + tokens[t + 1]];
            }
            return sum / (tokens.length - c.answerStart());
        }
    }
}
