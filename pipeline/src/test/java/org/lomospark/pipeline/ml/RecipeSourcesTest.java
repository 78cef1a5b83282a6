package org.lomospark.pipeline.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.param.Param;
import org.junit.jupiter.api.Test;
import org.lomospark.pipeline.config.PipelineConfig;
import org.lomospark.trainer.cli.TrainerCli;
import org.lomospark.trainer.recipe.DataLayout;
import org.lomospark.trainer.recipe.HyperParams;
import org.lomospark.trainer.recipe.Recipe;
import org.lomospark.trainer.recipe.RuntimeParams;
import org.lomospark.trainer.recipe.Settings;

/** One recipe from three entry points: the pipeline's HOCON, the trainer CLI's options and the ML Params. */
class RecipeSourcesTest {
    private static final String DATA = "runs/x/prepared";
    private static final int SEQ = 99;

    /** Every recipe setting away from its default, by name. */
    private static Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("model", "demo");
        s.put("init-from", "/models/base");
        s.put("steps", "40");
        s.put("batch", "4");
        s.put("micro-batches", "3");
        s.put("optimizer", "adalomo");
        s.put("lr", "0.02");
        s.put("schedule", "cosine");
        s.put("warmup", "3");
        s.put("min-lr", "0.001");
        s.put("clip-norm", "0.5");
        s.put("clip-value", "0");
        s.put("weight-decay", "0.01");
        s.put("seed", "9");
        s.put("dp", "3");
        s.put("tp", "2");
        s.put("device", "cuda");
        s.put("dtype", "bf16");
        s.put("strategy", "block");
        s.put("offload", "true");
        s.put("init-on", "cpu");
        s.put("threads", "2");
        s.put("save-every", "10");
        s.put("keep-last", "3");
        s.put("rendezvous-timeout", "90s");
        return s;
    }

    @Test
    void theSameSettingsThroughHoconTheTrainerCliAndMlParamsBuildEqualRecipes() {
        Map<String, String> s = settings();
        List<String> overrides = new ArrayList<>(List.of("run-dir=runs/x", "prepare.max-length=" + (SEQ + 1),
                "prepare.shards=3"));
        List<String> options = new ArrayList<>(List.of("--data", DATA, "--seq", Integer.toString(SEQ)));
        LomoFineTuner tuner = new LomoFineTuner();
        for (Map.Entry<String, String> e : s.entrySet()) {
            String key = e.getKey();
            overrides.add((key.equals("model") ? "model.preset" : key.equals("init-from") ? "model.init-from"
                    : "train." + key) + "=" + e.getValue());
            options.add("--" + key);
            options.add(e.getValue());
        }
        tuner.setModel("demo").setInitFrom("/models/base").setSteps(40).setBatch(4).setMicroBatches(3)
                .setOptimizer("adalomo").setLr(0.02).setSchedule("cosine").setWarmup(3).setMinLr(0.001)
                .setClipNorm(0.5).setClipValue(0).setWeightDecay(0.01).setSeed(9).setDp(3).setTp(2)
                .setDevice("cuda").setDtype("bf16").setStrategy("block").setOffload(true).setInitOn("cpu")
                .setThreads(2).setSaveEvery(10).setKeepLast(3).setRendezvousTimeout("90s");

        Recipe hocon = PipelineConfig.load(List.of(), overrides).recipe();
        Recipe cli = TrainerCli.recipe("dist", options.toArray(String[]::new));
        Recipe params = tuner.recipe(DATA, SEQ);
        assertEquals(hocon, cli);
        assertEquals(hocon, params);
        // and they are the settings given, not the defaults
        assertEquals(HyperParams.Optimizer.ADALOMO, hocon.hyper().optimizer());
        assertEquals(HyperParams.Schedule.COSINE, hocon.hyper().schedule());
        assertEquals(3, hocon.hyper().microBatches());
        assertEquals(Duration.ofSeconds(90), hocon.runtime().rendezvousTimeout());
        assertTrue(hocon.runtime().offload() && hocon.runtime().initOnCpu());
        assertEquals(new DataLayout(DATA, 4, SEQ), hocon.data());
        assertNotEquals(Settings.defaults(DATA, SEQ).hyper(), hocon.hyper());
    }

    @Test
    void everyRecipeSettingIsAnMlParamWithTheDefaultsFilesDocAndValue() {
        LomoFineTuner tuner = new LomoFineTuner();
        Recipe defaults = Settings.defaults(DATA, SEQ);
        assertEquals(defaults, tuner.recipe(DATA, SEQ), "an untouched fine-tuner trains the file's defaults");
        for (Settings.Key k : Settings.keys()) {
            Param<?> p = tuner.getParam(k.paramName());
            assertEquals(k.doc(), p.doc(), k.name());
            assertFalse(k.doc().isBlank(), k.name() + " is documented in " + Settings.DEFAULTS);
            if (k.defaultString() != null) {
                Object value = tuner.getOrDefault(p);
                if (value instanceof Number n) {
                    assertEquals(Double.parseDouble(k.defaultString()), n.doubleValue(), 0.0, k.name());
                } else {
                    assertEquals(k.defaultString(), String.valueOf(value), k.name());
                }
            }
        }
    }

    @Test
    void aBadValueOrTwoSettingsThatCannotGoTogetherFailNamingThemAsTheUserWroteThem() {
        IllegalArgumentException param = assertThrows(IllegalArgumentException.class,
                () -> new LomoFineTuner().setMicroBatches(0).recipe(DATA, SEQ));
        assertTrue(param.getMessage().contains("micro-batches = 0 must be at least 1 (Param microBatches)"),
                param.getMessage());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> new LomoFineTuner().setStrategy("hook").setMicroBatches(2).recipe(DATA, SEQ));
        assertTrue(both.getMessage().contains("micro-batches 2 needs strategy block, not hook"), both.getMessage());
        IllegalArgumentException option = assertThrows(IllegalArgumentException.class,
                () -> TrainerCli.recipe("train", "--lr", "0"));
        assertTrue(option.getMessage().contains("lr = 0.0 must be a finite number above 0 (--lr)"),
                option.getMessage());
        IllegalArgumentException clip = assertThrows(IllegalArgumentException.class,
                () -> TrainerCli.recipe("train", "--optimizer", "adalomo", "--clip-value", "0.5"));
        assertTrue(clip.getMessage().contains("clip-value 0.5 is LOMO's") && clip.getMessage().contains("adalomo"),
                clip.getMessage());
        IllegalArgumentException offload = assertThrows(IllegalArgumentException.class,
                () -> PipelineConfig.load(List.of(), List.of("train.offload=true")));
        assertTrue(offload.getMessage().contains("device is cpu"), offload.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> TrainerCli.recipe("train", "--dp", "2"));
        assertTrue(unknown.getMessage().contains("unknown option --dp"), unknown.getMessage());
        assertEquals(RuntimeParams.Strategy.HOOK, TrainerCli.recipe("train", "--strategy", "HOOK").runtime()
                .strategy(), "choices in any case");
    }
}
