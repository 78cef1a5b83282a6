package org.lomospark.trainer.cli;

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
import java.util.Map;
import org.lomospark.trainer.data.Batch;

/**
 * Side-by-side step benchmarks. Each case runs in its own JVM, so the peak resident set of one case cannot
 * include another's: the parent only forks, collects and prints one JSON line per case.
 */
final class Bench {
    private Bench() {}

    static Map<String, String> defaults() {
        Map<String, String> d = Setup.defaults();
        d.put("model", "100m");
        d.put("seq", "256");
        d.put("batch", "4");
        d.put("lr", "1e-3");
        d.put("cases", "lomo:block,lomo:hook,sgd:full,adamw:full");
        d.put("warmup-steps", "2");
        d.put("repeat", "5");
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
            a.with("optimizer", parts[0]).with("strategy", parts[1].equals("full") ? "block" : parts[1]);
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(jvm);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TrainerCli.class.getName(), "bench-case"));
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
        int warmup = a.integer("warmup-steps");
        int repeat = a.integer("repeat");
        a.with("steps", String.valueOf(warmup + repeat));
        if (!a.get("device").equals("cpu")) {
            // peak_gib on a GPU must be the CUDA allocator's peak allocated bytes, not the host's resident set
            throw new IllegalArgumentException("bench measures --device cpu only in this build: the GPU peak "
                    + "(CUDA allocator statistics) is not wired up yet");
        }
        try (Setup s = new Setup(a)) {
            double[] seconds = new double[repeat];
            for (int i = 0; i < warmup + repeat; i++) {
                List<Batch> batches = new ArrayList<>();
                for (int m = 0; m < a.integer("micro-batches"); m++) {
                    batches.add(s.data.batch(i * (long) a.integer("micro-batches") + m));
                }
                long t0 = System.nanoTime();
                s.step.step(batches, i + 1, s.schedule.lr(i + 1));
                long t1 = System.nanoTime();
                batches.forEach(Batch::close);
                if (i >= warmup) {
                    seconds[i - warmup] = (t1 - t0) / 1e9;
                }
            }
            Arrays.sort(seconds);
            double median = seconds[repeat / 2];
            long tokens = (long) a.integer("batch") * a.integer("seq") * a.integer("micro-batches");
            long params = s.config.parameterCount();
            ObjectNode j = new ObjectMapper().createObjectNode();
            j.put("impl", "lomo-spark");
            j.put("model", a.get("model"));
            j.put("params", params);
            j.put("dtype", s.placement.dtypeName());
            j.put("strategy", s.step.strategy());
            j.put("optimizer", s.step.optimizer());
            j.put("seq", a.integer("seq"));
            j.put("batch", a.integer("batch") * a.integer("micro-batches"));
            j.put("step_s", round(median));
            j.put("tgs", round(tokens / median));
            j.put("peak_gib", round(peakRssBytes() / (double) (1L << 30)));
            j.put("param_gib", round(params * (double) bytesPerElement(s.placement.dtypeName()) / (1L << 30)));
            j.put("device", s.placement.device());
            j.put("threads", org.bytedeco.pytorch.global.torch.get_num_threads());
            out.println(j);
        }
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
