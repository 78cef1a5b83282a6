package org.lomospark.trainer.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.lomospark.trainer.data.SyntheticSequences;
import org.lomospark.trainer.data.TokenFile;
import org.lomospark.trainer.data.TokenSource;
import org.lomospark.trainer.dist.Group;
import org.lomospark.trainer.engine.PhaseClock;
import org.lomospark.trainer.recipe.Recipe;
import org.lomospark.trainer.recipe.Settings;
import org.lomospark.trainer.recipe.TrainingParts;
import org.lomospark.trainer.tensor.Placement;

/**
 * The standalone trainer's recipe from its options, built ({@link TrainingParts}) over its own data. Public for the
 * bench module's {@code lomo-trainer bench}, which times the steps of the parts built here.
 *
 * <pre>
 * try (Setup s = new Setup(new Args(argv, 1, Setup.defaults(false)))) {
 *     s.parts().step().step(List.of(s.data().batch(0)), 1, s.parts().schedule().lr(1));
 * }
 * </pre>
 */
public final class Setup implements AutoCloseable {
    /** The recipe's settings of several ranks: {@code dist} takes them, one-device commands do not. */
    static final Set<String> RANKS = Set.of("dp", "tp", "rendezvous-timeout");

    /**
     * Every option with its default: the recipe's settings (defaults in {@link Settings#DEFAULTS}, the one place),
     * then what only this CLI has.
     *
     * @param ranks whether the command runs several ranks ({@link #RANKS})
     */
    public static Map<String, String> defaults(boolean ranks) {
        Map<String, String> d = new LinkedHashMap<>();
        for (Settings.Key k : Settings.keys()) {
            if (ranks || !RANKS.contains(k.name())) {
                d.put(k.name(), k.defaultString() == null ? "" : k.defaultString());
            }
        }
        d.put("seq", "64");              // tokens per row
        d.put("data", "synthetic");      // synthetic, or a file of little-endian int32 token ids
        d.put("log-every", "10");
        d.put("out", "");                // run directory for checkpoints; resumes from the newest one there
        d.put("metrics", "");            // append one JSON line per step to this file (with --out, a resumed run
                                         // first drops the lines of steps after its checkpoint)
        return d;
    }

    /** The recipe the options give (one rank unless the command takes dp and tp); the CLI's own are left out. */
    static Recipe recipe(Args a) {
        Map<String, String> named = new LinkedHashMap<>();
        for (Settings.Key k : Settings.keys()) {
            if (a.has(k.name())) {
                named.put(k.name(), a.get(k.name()));
            }
        }
        if (!a.has("dp")) {
            named.put("dp", "1");
            named.put("tp", "1");
        }
        return Settings.named(named, n -> "--" + n, a.get("data"), a.integer("seq"));
    }

    private final Recipe recipe;
    private final Placement placement;
    private final TrainingParts parts;
    private final TokenSource data;
    private final PhaseClock clock;

    /**
     * Builds the recipe of {@code a}'s options: its model, optimizer, step and schedule on its device, and its data.
     *
     * @throws IllegalArgumentException for a bad or contradictory setting, naming it
     */
    public Setup(Args a) throws IOException {
        this.recipe = recipe(a);
        this.placement = TrainingParts.placement(recipe); // first libtorch call: it loads the CUDA natives
        this.clock = new PhaseClock(placement);
        this.parts = TrainingParts.build(recipe, placement, Group.single(), Group.single(), clock);
        int vocab = parts.config().vocabSize();
        var layout = recipe.data();
        this.data = layout.source().equals("synthetic")
                ? new SyntheticSequences(recipe.hyper().seed(), layout.batch(), layout.seq(), vocab)
                : new TokenFile(Path.of(layout.source()), layout.batch(), layout.seq(), vocab);
    }

    /** Where the model runs, in which dtype. */
    public Placement placement() {
        return placement;
    }

    /** The built model, optimizer, step, schedule and loop. */
    public TrainingParts parts() {
        return parts;
    }

    /** The training rows: synthetic sequences or a token file. */
    public TokenSource data() {
        return data;
    }

    /** The phase clock the step reports to; off until {@link PhaseClock#switchOn}. */
    public PhaseClock clock() {
        return clock;
    }

    static Path runDir(Args a) throws IOException {
        if (a.get("out").isEmpty()) {
            return null;
        }
        return Files.createDirectories(Path.of(a.get("out")));
    }

    @Override
    public void close() {
        parts.close();
    }
}
