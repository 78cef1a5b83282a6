package org.lomospark.trainer.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.data.SyntheticSequences;
import org.lomospark.trainer.data.TokenFile;
import org.lomospark.trainer.data.TokenSource;
import org.lomospark.trainer.engine.FullBackwardStep;
import org.lomospark.trainer.engine.FusedStep;
import org.lomospark.trainer.engine.PhaseClock;
import org.lomospark.trainer.engine.Strategy;
import org.lomospark.trainer.engine.TrainStep;
import org.lomospark.trainer.io.HfCheckpoint;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.optim.AdaLomo;
import org.lomospark.trainer.optim.AdamW;
import org.lomospark.trainer.optim.BaselineOptimizer;
import org.lomospark.trainer.optim.DynamicLossScaler;
import org.lomospark.trainer.optim.FusedOptimizer;
import org.lomospark.trainer.optim.Lomo;
import org.lomospark.trainer.optim.LrSchedule;
import org.lomospark.trainer.optim.Sgd;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Threads;

/** Wires settings into built parts: the model, its data, the step (fused or baseline) and the schedule. */
final class Setup implements AutoCloseable {
    /** Every option with its default, in one place (the embedded default is the tiny-model demo). */
    static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("model", "tiny");          // preset name (tiny, demo, 100m, llama-7b, ...) or a config.json path
        d.put("init-from", "");          // a Hugging Face checkpoint directory to start from; empty = random init
        d.put("device", "cpu");          // cpu or cuda[:N]
        d.put("init-on", "device");      // random init drawn on the device (fast) or on cpu (same weights on any device)
        d.put("dtype", "f32");           // f32, bf16 (no scaler needed) or f16 (dynamic loss scaling)
        d.put("optimizer", "lomo");      // lomo, adalomo (fused); sgd, adamw (full-backward baselines)
        d.put("strategy", "block");      // block (recompute, least memory, accumulates) or hook (faster, more activations)
        d.put("offload", "false");       // block inputs in pinned host memory (CUDA)
        d.put("lr", "0.3");             // LOMO is plain SGD: a tiny random model learns the demo task at 0.3; the paper fine-tunes at 3e-2
        d.put("schedule", "linear");     // constant, linear or cosine, after a linear warmup
        d.put("warmup", "20");
        d.put("min-lr", "0");
        d.put("steps", "300");
        d.put("batch", "8");
        d.put("seq", "64");
        d.put("micro-batches", "1");     // gradient accumulation: micro-batches per update (strategy block)
        d.put("clip-norm", "0");         // global-norm clipping; > 0 adds a second backward pass
        d.put("clip-value", "0");        // clip each gradient element (LOMO); one pass
        d.put("weight-decay", "0");
        d.put("seed", "42");
        d.put("data", "synthetic");      // synthetic, or a file of little-endian int32 token ids
        d.put("threads", "0");           // intra-op threads; 0 = libtorch's default
        d.put("log-every", "10");
        d.put("save-every", "0");        // 0 = only at the end (when --out is set)
        d.put("out", "");                // run directory for checkpoints; resumes from the newest one there
        d.put("metrics", "");            // append one JSON line per step to this file
        return d;
    }

    final LlamaConfig config;
    final Placement placement;
    final LlamaModel model;
    final TokenSource data;
    final TrainStep step;
    final FusedOptimizer fused;
    final BaselineOptimizer baseline;
    final DynamicLossScaler scaler;
    final LrSchedule schedule;
    final PhaseClock clock;

    Setup(Args a) throws IOException {
        this.placement = Placement.parse(a.get("device"), a.get("dtype")); // first: it loads the CUDA natives
        if (a.integer("threads") > 0) {
            Threads.set(a.integer("threads"));
        }
        this.config = LlamaConfig.of(a.get("model"));
        if (a.get("init-from").isEmpty()) {
            this.model = LlamaModel.create(config, placement, a.integer("seed"), initOnCpu(a.get("init-on")));
        } else {
            try (HfCheckpoint ckpt = HfCheckpoint.open(Path.of(a.get("init-from")))) {
                this.model = LlamaModel.load(config, placement, ckpt::read);
            }
        }
        int batch = a.integer("batch");
        int seq = a.integer("seq");
        this.data = a.get("data").equals("synthetic")
                ? new SyntheticSequences(a.integer("seed"), batch, seq, config.vocabSize())
                : new TokenFile(Path.of(a.get("data")), batch, seq, config.vocabSize());
        this.clock = new PhaseClock(placement);
        this.scaler = placement.dtype() == torch.ScalarType.Half ? new DynamicLossScaler(65536, 2, 1000, 1) : null;
        double wd = a.number("weight-decay");
        String opt = a.get("optimizer");
        switch (opt) {
            case "lomo", "adalomo" -> {
                this.fused = opt.equals("lomo") ? new Lomo(wd, a.number("clip-value")) : AdaLomo.defaults(wd);
                this.baseline = null;
                this.step = new FusedStep(model, Strategy.parse(a.get("strategy"), a.flag("offload"), clock), fused,
                        a.number("clip-norm"), scaler);
            }
            case "sgd", "adamw" -> {
                this.fused = null;
                this.baseline = opt.equals("sgd") ? new Sgd(wd) : new AdamW(0.9, 0.999, 1e-8, wd);
                this.step = new FullBackwardStep(model, baseline, a.number("clip-norm"));
            }
            default -> throw new IllegalArgumentException("unknown optimizer '" + opt + "' (choices: lomo, adalomo, sgd, adamw)");
        }
        long steps = a.integer("steps");
        this.schedule = LrSchedule.parse(a.get("schedule"), a.number("lr"), Math.min(a.integer("warmup"), steps), steps,
                a.number("min-lr"));
    }

    private static boolean initOnCpu(String where) {
        return switch (where) {
            case "device" -> false;
            case "cpu" -> true;
            default -> throw new IllegalArgumentException("--init-on must be device or cpu, got '" + where + "'");
        };
    }

    static Path runDir(Args a) throws IOException {
        if (a.get("out").isEmpty()) {
            return null;
        }
        return Files.createDirectories(Path.of(a.get("out")));
    }

    @Override
    public void close() {
        if (fused != null) {
            fused.close();
        }
        if (baseline != null) {
            baseline.close();
        }
        model.close();
    }
}
