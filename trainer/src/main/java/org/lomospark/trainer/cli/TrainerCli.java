package org.lomospark.trainer.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.lomospark.trainer.checkpoint.Checkpointer;
import org.lomospark.trainer.engine.StepResult;
import org.lomospark.trainer.recipe.Recipe;
import org.lomospark.trainer.recipe.Settings;

/**
 * The standalone trainer: {@code train} runs the LOMO loop on one device, {@code dist} runs {@code dp x tp} ranks as
 * threads. {@code lomo-trainer bench} (step time and peak memory for several optimizer/strategy cases side by side,
 * one JSON line per case) is not here: it is the bench module's {@code org.lomospark.bench.trainer.Bench}, which
 * the launchers ({@code bin/lomo-trainer}, the bundle's) run on the same classpath when the first argument is
 * {@code bench}.
 *
 * <pre>
 * lomo-trainer train --model tiny --steps 300 --strategy hook --schedule cosine
 * lomo-trainer bench --model 100m --seq 256 --batch 4 --cases lomo:block,lomo:hook,sgd:full,adamw:full
 * </pre>
 */
public final class TrainerCli {
    /** The main class that {@code lomo-trainer bench} runs, in the bench module (lomo-spark-bench). */
    static final String BENCH_MAIN = "org.lomospark.bench.trainer.Bench";

    private TrainerCli() {}

    public static void main(String[] argv) throws Exception {
        int code = run(argv, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Runs the command line and returns the exit code: 0 when done, also for {@code --help} or {@code -h} (the usage,
     * to {@code out}), 2 for a bad command line (a message and the usage, to {@code err}).
     */
    static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Locale.setDefault(Locale.ROOT);
        if (argv.length == 0) {
            usage(err);
            return 2;
        }
        try {
            switch (argv[0]) {
                case "train", "dist" -> {
                    if (Args.asksForHelp(argv, 1)) {
                        usage(out);
                    } else if (argv[0].equals("train")) {
                        train(new Args(argv, 1, Setup.defaults(false)), out);
                    } else {
                        DistRun.run(argv, out);
                    }
                }
                case "bench", "bench-case" -> {
                    // the launchers send bench to the bench module; this main class alone does not have it
                    err.println("error: " + argv[0] + " is the bench module's (" + BENCH_MAIN
                            + "): run it as lomo-trainer bench, whose launcher puts that module on the classpath");
                    return 2;
                }
                case "help", "--help", "-h" -> usage(out);
                default -> {
                    err.println("error: unknown command '" + argv[0] + "'");
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

    /**
     * The recipe a command builds from its options ({@code train}: one rank; {@code dist}: {@code --dp} and
     * {@code --tp} too): what {@code lomo-trainer train --lr 0.1 ...} would train.
     *
     * @throws IllegalArgumentException for an unknown option or a bad value, naming it
     */
    public static Recipe recipe(String command, String... options) {
        return Setup.recipe(new Args(options, 0, switch (command) {
            case "train" -> Setup.defaults(false);
            case "dist" -> DistRun.defaults();
            default -> throw new IllegalArgumentException("no recipe for command " + command + " (train or dist)");
        }));
    }

    static List<StepResult> train(Args a, PrintStream out) throws Exception {
        try (Setup s = new Setup(a)) {
            out.printf("model %s: %,d parameters, %s %s; optimizer %s, strategy %s; data %s%n", a.get("model"),
                    s.parts().config().parameterCount(), s.placement().device(), s.placement().dtypeName(),
                    s.parts().step().optimizer(), s.parts().step().strategy(), s.data().describe());
            Path runDir = Setup.runDir(a);
            return s.parts().loop(s.data(), runDir == null ? null : Checkpointer.directory(runDir),
                    a.get("metrics").isEmpty() ? null : Path.of(a.get("metrics")), a.integer("log-every"), out).run();
        }
    }

    private static void usage(PrintStream out) {
        out.println("usage: lomo-trainer train [--key value ...]   (keys and defaults below; -h or --help after any"
                + " command: this)");
        out.println("       lomo-trainer bench [--cases lomo:block,lomo:hook,sgd:full,adamw:full] [--repeat N] [--warmup-steps N] [train keys]"
                + "   (the bench module's " + BENCH_MAIN + ", which the lomo-trainer launcher runs)");
        out.println("       lomo-trainer dist --device cpu|cuda --dp N --tp N [--warmup-steps N] [train keys]   (a rank per thread;"
                + " with cuda, rank r on cuda:r over NCCL)");
        Setup.defaults(true).forEach((k, v) -> out.printf("  --%-18s %s%n", k, v.isEmpty() ? "(none)" : v));
        out.println("(defaults and what each setting does: conf/" + Settings.DEFAULTS + "; dp, tp and"
                + " rendezvous-timeout are dist's)");
    }
}
