package org.lomospark.trainer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.data.SyntheticSequences;
import org.lomospark.trainer.dist.Distributed;
import org.lomospark.trainer.dist.Mesh;
import org.lomospark.trainer.engine.StepResult;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LmHead;
import org.lomospark.trainer.recipe.Recipe;
import org.lomospark.trainer.recipe.TrainingParts;
import org.lomospark.trainer.tensor.Cuda;
import org.lomospark.trainer.tensor.Placement;

/**
 * {@code lomo-trainer dist}: LOMO over {@code dp x tp} ranks on one host, one thread per rank, each rank on its own
 * GPU ({@code cuda:rank}, NCCL) or on the CPU (Gloo). Synthetic data: every rank draws the global batch of
 * {@code dp x batch} rows and keeps its data-parallel rank's rows, so any layout trains on the same tokens and the
 * losses of dp 2 and tp 2 can be compared with one rank's. Prints one JSON line per step (rank 0's loss) and a
 * summary line with the per-GPU throughput (tokens per GPU per second) and every rank's peak memory.
 *
 * <pre>
 * lomo-trainer dist --device cuda --dtype bf16 --model llama-7b --tp 2 --seq 1024 --batch 4 --steps 8
 * </pre>
 */
final class DistRun {
    private DistRun() {}

    static Map<String, String> defaults() {
        Map<String, String> d = Setup.defaults(true);
        d.put("warmup-steps", "2");  // steps left out of the timing (communicator set-up, allocator warm-up)
        return d;
    }

    /** One rank's outcome. */
    private record RankResult(int rank, double[] losses, double[] seconds, long peakBytes) {}

    static void run(String[] argv, PrintStream out) throws Exception {
        Args a = new Args(argv, 1, defaults());
        Recipe recipe = Setup.recipe(a);
        recipe.runtime().requireUnindexedDevice("dist (rank r takes cuda:r)");
        int dp = recipe.runtime().dp();
        int tp = recipe.runtime().tp();
        Mesh layout = new Mesh(dp, tp, 0);
        String device = recipe.runtime().device();
        List<RankResult> results = new ArrayList<>();
        try (Distributed.Server server = layout.world() > 1 ? Distributed.listen("127.0.0.1") : null) {
            String address = server == null ? "127.0.0.1:0" : server.address();
            ExecutorService pool = Executors.newFixedThreadPool(layout.world());
            try {
                List<Future<RankResult>> ranks = new ArrayList<>();
                for (int r = 0; r < layout.world(); r++) {
                    Mesh mesh = new Mesh(dp, tp, r);
                    ranks.add(pool.submit(() -> rank(recipe, mesh, address)));
                }
                for (Future<RankResult> f : ranks) {
                    results.add(f.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
        RankResult zero = results.get(0);
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < zero.losses().length; i++) {
            ObjectNode step = json.createObjectNode();
            step.put("step", i + 1);
            step.put("loss", zero.losses()[i]);
            out.println(step);
        }
        int warmup = Math.min(a.integer("warmup-steps"), zero.seconds().length - 1);
        double[] timed = Arrays.copyOfRange(zero.seconds(), warmup, zero.seconds().length);
        Arrays.sort(timed);
        double median = timed[timed.length / 2];
        LlamaConfig config = recipe.model().config();
        long tokens = (long) dp * recipe.data().batch() * recipe.data().seq();
        ObjectNode j = json.createObjectNode();
        j.put("impl", "lomo-spark");
        j.put("model", a.get("model"));
        j.put("params", config.parameterCount());
        j.put("dtype", a.get("dtype"));
        j.put("optimizer", a.get("optimizer"));
        j.put("strategy", a.get("strategy"));
        j.put("dp", dp);
        j.put("tp", tp);
        j.put("gpus", device.equals("cuda") ? layout.world() : 0);
        j.put("seq", a.integer("seq"));
        j.put("batch", dp * a.integer("batch"));
        j.put("steps_timed", timed.length);
        j.put("step_s", round(median));
        // tokens per GPU per second, the paper's TGS: the global batch's tokens over the step time and the ranks
        j.put("tgs", round(tokens / median / layout.world()));
        ArrayNode peaks = j.putArray("peak_gib_per_rank");
        long maxPeak = 0;
        for (RankResult r : results) {
            peaks.add(round(r.peakBytes() / (double) (1L << 30)));
            maxPeak = Math.max(maxPeak, r.peakBytes());
        }
        j.put("peak_gib", round(maxPeak / (double) (1L << 30)));
        j.put("final_loss", zero.losses()[zero.losses().length - 1]);
        out.println(j);
    }

    private static RankResult rank(Recipe recipe, Mesh mesh, String address) throws Exception {
        boolean cuda = recipe.runtime().device().equals("cuda");
        Placement placement = Placement.parse(cuda ? "cuda:" + mesh.rank() : "cpu", recipe.runtime().dtype());
        Cuda.useDevice(placement); // this thread's streams, syncs and pools on its own GPU
        int steps = (int) recipe.hyper().steps();
        int batch = recipe.data().batch();
        double[] losses = new double[steps];
        double[] seconds = new double[steps];
        try (PointerScope scope = new PointerScope();
             Distributed d = Distributed.join(address, mesh, "127.0.0.1", recipe.runtime().rendezvousTimeout(),
                     placement);
             TrainingParts parts = TrainingParts.build(recipe, placement, d.tp(), d.dp(), null)) {
            // the global batch, drawn the same on every rank; this rank trains on its data-parallel share of the rows
            SyntheticSequences data = new SyntheticSequences(recipe.hyper().seed(), mesh.dp() * batch,
                    recipe.data().seq(), parts.config().vocabSize());
            if (cuda) {
                Cuda.synchronize(placement);
                Cuda.resetPeak(placement);
            }
            for (int i = 0; i < steps; i++) {
                try (PointerScope stepScope = new PointerScope(); Batch global = data.batch(i);
                     Batch mine = rows(global, mesh.dpRank() * batch, batch)) {
                    long t0 = System.nanoTime();
                    StepResult r = parts.step().step(List.of(mine), i + 1, parts.schedule().lr(i + 1));
                    if (cuda) {
                        Cuda.synchronize(placement);
                    }
                    seconds[i] = (System.nanoTime() - t0) / 1e9;
                    losses[i] = r.loss();
                }
            }
            return new RankResult(mesh.rank(), losses, seconds, cuda ? Cuda.peakAllocatedBytes(placement) : 0);
        }
    }

    /** Rows {@code [from, from + n)} of a batch, with their own target count. */
    private static Batch rows(Batch b, int from, int n) {
        Tensor ids = b.inputIds().narrow(0, from, n).contiguous();
        Tensor targets = b.targets().narrow(0, from, n).contiguous();
        long tokens = targets.ne(new org.bytedeco.pytorch.Scalar(LmHead.IGNORE_INDEX)).sum().item_long();
        return new Batch(ids, targets, null, tokens);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
