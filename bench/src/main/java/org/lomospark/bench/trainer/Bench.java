package org.lomospark.bench.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.cli.Args;
import org.lomospark.trainer.cli.Setup;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.tensor.Cuda;
import org.lomospark.trainer.tensor.Placement;

/**
 * {@code lomo-trainer bench}: side-by-side step benchmarks. Each case runs in its own JVM, so the peak resident set
 * of one case cannot include another's: the parent only forks, collects and prints one JSON line per case. The
 * launchers ({@code bin/lomo-trainer}, the bundle's) run this main class, on the trainer's classpath plus this
 * module's jar, when their first argument is {@code bench}; the forked cases run it again with {@code bench-case}.
 *
 * <pre>
 * lomo-trainer bench --model 100m --seq 256 --batch 4 --cases lomo:block,lomo:hook,sgd:full,adamw:full
 * </pre>
 */
public final class Bench {
    private Bench() {}

    /** {@code bench [options]} (the cases, forked) or {@code bench-case [options]} (one case, in this JVM). */
    public static void main(String[] argv) throws Exception {
        int code = run(argv, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Runs the command line and returns the exit code: 0 when done, also for {@code --help} or {@code -h} (the usage,
     * to {@code out}), 2 for a bad command line (a message, and the usage for an unknown command, to {@code err}).
     */
    static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Locale.setDefault(Locale.ROOT);
        try {
            String command = argv.length == 0 ? "" : argv[0];
            if (Args.asksForHelp(argv, command.equals("bench") || command.equals("bench-case") ? 1 : 0)) {
                usage(out);
                return 0;
            }
            switch (command) {
                case "bench" -> run(argv, out);
                case "bench-case" -> runCase(argv, out);
                default -> {
                    usage(err);
                    return 2;
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        return 0;
    }

    private static void usage(PrintStream out) {
        out.println("usage: lomo-trainer bench [--cases lomo:block,lomo:hook,sgd:full,adamw:full]"
                + " [--repeat N] [--warmup-steps N] [train keys]   (lomo-trainer help lists the train keys)");
        defaults().forEach((k, v) -> out.printf("  --%-18s %s%n", k, v.isEmpty() ? "(none)" : v));
    }

    static Map<String, String> defaults() {
        Map<String, String> d = Setup.defaults(false);
        d.put("model", "100m");
        d.put("seq", "256");
        d.put("batch", "4");
        d.put("lr", "1e-3");
        d.put("clip-norm", "0");       // a case times its strategy alone; --clip-norm 1.0 adds the norm pass
        d.put("cases", "lomo:block,lomo:hook,sgd:full,adamw:full");
        d.put("warmup-steps", "2");
        d.put("repeat", "5");
        d.put("profile", "false");     // after the timed steps, 2 more with a device barrier at every phase
        return d;
    }

    static void run(String[] argv, PrintStream out) throws IOException, InterruptedException {
        Args a = new Args(argv, 1, defaults());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String c : a.get("cases").split(",")) {
            String[] parts = c.split(":");
            if (parts.length != 2) {
                throw new IllegalArgumentException("a case is optimizer:strategy (e.g. lomo:block, adamw:full), got '" + c + "'");
            }
            boolean fullOrPlain = parts[1].equals("full") || parts[1].equals("plain");
            a.with("optimizer", parts[0]).with("strategy", fullOrPlain ? "block" : parts[1]);
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(jvm);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Bench.class.getName(), "bench-case"));
            cmd.addAll(Arrays.asList(a.toArgv()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
            // A fixed mmap threshold: glibc otherwise raises it as large blocks are freed and then keeps freed
            // tensors in its heap, so the resident set would measure fragmentation rather than live memory.
            pb.environment().putIfAbsent("MALLOC_MMAP_THRESHOLD_", "131072");
            Process p = pb.start();
            String line;
            String json = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                while ((line = r.readLine()) != null) {
                    json = line;
                }
            }
            if (p.waitFor() != 0 || json == null) {
                throw new IOException("bench case " + c + " failed (exit " + p.exitValue() + ")");
            }
            out.println(json);
            out.flush();
        }
    }

    static void runCase(String[] argv, PrintStream out) throws IOException {
        Args a = new Args(argv, 1, defaults());
        if (a.get("optimizer").equals("matmul")) {
            out.println(matmul(Placement.parse(a.get("device"), a.get("dtype"))));
            return;
        }
        int warmup = a.integer("warmup-steps");
        int repeat = a.integer("repeat");
        a.with("steps", String.valueOf(warmup + repeat));
        try (Setup s = new Setup(a)) {
            boolean cuda = s.placement().isCuda();
            if (cuda) {
                Cuda.synchronize(s.placement());
                Cuda.resetPeak(s.placement()); // the weights stay in the peak, as in the reference's figure
            }
            double[] seconds = new double[repeat];
            for (int i = 0; i < warmup + repeat; i++) {
                List<Batch> batches = batches(s, a, i);
                if (cuda) {
                    Cuda.synchronize(s.placement()); // host clock around device work: drain the queue first
                }
                long t0 = System.nanoTime();
                s.parts().step().step(batches, i + 1, s.parts().schedule().lr(i + 1));
                if (cuda) {
                    Cuda.synchronize(s.placement());
                }
                long t1 = System.nanoTime();
                batches.forEach(Batch::close);
                if (i >= warmup) {
                    seconds[i - warmup] = (t1 - t0) / 1e9;
                }
            }
            Arrays.sort(seconds);
            double median = seconds[repeat / 2];
            ObjectNode phases = null;
            if (a.flag("profile")) {
                int profiled = 2;
                s.clock().switchOn();
                for (int i = 0; i < profiled; i++) {
                    List<Batch> batches = batches(s, a, warmup + repeat + i);
                    s.parts().step().step(batches, warmup + repeat + i + 1, s.parts().schedule().lr(warmup + repeat));
                    batches.forEach(Batch::close);
                }
                phases = new ObjectMapper().createObjectNode();
                for (var e : new java.util.TreeMap<>(s.clock().totals()).entrySet()) {
                    phases.put(e.getKey(), round(e.getValue() / profiled));
                }
            }
            long tokens = (long) a.integer("batch") * a.integer("seq") * a.integer("micro-batches");
            long params = s.parts().config().parameterCount();
            ObjectNode j = new ObjectMapper().createObjectNode();
            j.put("impl", "lomo-spark");
            j.put("model", a.get("model"));
            j.put("params", params);
            j.put("dtype", s.placement().dtypeName());
            j.put("strategy", s.parts().step().strategy());
            j.put("optimizer", s.parts().step().optimizer());
            j.put("seq", a.integer("seq"));
            j.put("batch", a.integer("batch") * a.integer("micro-batches"));
            j.put("step_s", round(median));
            j.put("tgs", round(tokens / median));
            // CPU: the process's peak resident set; GPU: the caching allocator's peak allocated bytes
            j.put("peak_gib", round((cuda ? Cuda.peakAllocatedBytes(s.placement()) : peakRssBytes()) / (double) (1L << 30)));
            j.put("param_gib", round(params * (double) bytesPerElement(s.placement().dtypeName()) / (1L << 30)));
            j.put("device", s.placement().device());
            j.put("threads", torch.get_num_threads());
            // model FLOPs per token: 6 per parameter (forward + backward) plus attention's 12 * layers * hidden * seq
            // (halved for the causal mask); recomputation is not counted, as MFU conventions do
            double flopsPerToken = 6.0 * params + 6.0 * s.parts().config().numLayers() * s.parts().config().hiddenSize() * a.integer("seq");
            j.put("model_tflops", round(flopsPerToken * tokens / median / 1e12));
            if (phases != null) {
                j.set("phases_s", phases);
            }
            out.println(j);
        }
    }

    /** The micro-batches of step {@code step} (0-based). */
    private static List<Batch> batches(Setup s, Args a, long step) {
        int micro = a.integer("micro-batches");
        List<Batch> out = new ArrayList<>();
        for (int m = 0; m < micro; m++) {
            out.add(s.data().batch(step * micro + m));
        }
        return out;
    }

    /**
     * The hardware's reachable rate: a plain 8192^3 matrix product in the bench's dtype, median of 20 after 5
     * warm-ups. Case {@code matmul:plain}; model FLOPs per second are read against it.
     */
    static ObjectNode matmul(Placement at) {
        int n = 8192;
        double[] seconds = new double[20];
        try (PointerScope scope = new PointerScope()) {
            Tensor x = torch.randn(new long[] {n, n}, at.options());
            Tensor y = torch.randn(new long[] {n, n}, at.options());
            for (int i = -5; i < seconds.length; i++) {
                try (PointerScope inner = new PointerScope()) {
                    if (at.isCuda()) {
                        Cuda.synchronize(at);
                    }
                    long t0 = System.nanoTime();
                    torch.matmul(x, y);
                    if (at.isCuda()) {
                        Cuda.synchronize(at);
                    }
                    if (i >= 0) {
                        seconds[i] = (System.nanoTime() - t0) / 1e9;
                    }
                }
            }
        }
        Arrays.sort(seconds);
        ObjectNode j = new ObjectMapper().createObjectNode();
        j.put("impl", "lomo-spark");
        j.put("case", "matmul");
        j.put("n", n);
        j.put("dtype", at.dtypeName());
        j.put("step_s", seconds[seconds.length / 2]);
        j.put("tflops", round(2.0 * n * n * n / seconds[seconds.length / 2] / 1e12));
        j.put("device", at.device());
        return j;
    }

    private static int bytesPerElement(String dtype) {
        return dtype.equals("f32") ? 4 : 2;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** VmHWM: the peak resident set of this process, the figure a cluster's memory limit is checked against. */
    static long peakRssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("/proc/self/status has no VmHWM line");
    }
}
