package org.lomospark.pipeline.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.lomospark.datasets.prepare.InstructInput;
import org.lomospark.datasets.prepare.Sampling;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.pipeline.train.TrainSpec;
import org.lomospark.trainer.recipe.Recipe;
import org.lomospark.trainer.recipe.Settings;

/**
 * Every setting of a lomo-spark run, read from HOCON: the embedded defaults ({@link Settings#DEFAULTS}, each
 * setting documented there), then the {@code --config} files in order, then {@code key=value} overrides
 * ({@code train.steps=100}, relative to {@code lomo}). A key the defaults do not know is an error naming the key
 * and where it was set, so a typo never passes silently; values are checked here, before any Spark job starts.
 *
 * <pre>
 * PipelineConfig c = PipelineConfig.load(List.of(Path.of("conf/superglue-llama-7b.conf")), List.of("train.dp=4"));
 * System.out.println(c.render());   // secrets shown as ****
 * </pre>
 */
public record PipelineConfig(String runDir, Prepare prepare, Recipe recipe, long failOnceAtStep, int evalEvery,
                             Evaluate evaluate,
                             Generate generate, Map<String, String> hadoop, Map<String, String> spark,
                             Config source) {
    private static final String ROOT = "lomo";
    /**
     * What in a key marks its value as a credential (an S3 secret key, an SSE-C encryption key, a token...): one
     * list for the printed config and, as {@code spark.redaction.regex}, for everything Spark shows or logs (the UI,
     * the event log, the environment of every job).
     */
    public static final String SECRET_KEYS = "secret|password|passwd|token|credential|access[.]?key|account[.]key"
            + "|private|signature|encryption[.]key|encryption[.]context";
    /** Keys whose values are credentials: never printed. */
    private static final Pattern SECRET = Pattern.compile("(?i).*(" + SECRET_KEYS + ").*");

    /** @param superglue a SuperGLUE root, {@code bundled} for the synthetic BoolQ in the jar, or null for none */
    public record Prepare(String superglue, List<SuperGlueTask> tasks, List<InstructInput> instruct, String tokenizer,
                          int maxLength, int shards, Sampling sample, int pack, double maxBadFraction,
                          long splitBytes, int maxLineBytes) {
        public boolean bundled() {
            return "bundled".equals(superglue);
        }
    }

    /** @param device {@code cpu} or {@code cuda} (each task on its assigned GPU); {@code dtype} f32, bf16 or f16 */
    public record Evaluate(String split, int batch, int tasks, String device, String dtype) {}

    /** The generate command's prompts and how it continues them (temperature 0: greedy). */
    public record Generate(List<String> prompts, int maxNewTokens, double temperature, double topP, long seed,
                           boolean chatTemplate) {}

    /** The embedded defaults alone. */
    public static PipelineConfig defaults() {
        return load(List.of(), List.of());
    }

    /**
     * @param files HOCON files, later ones overriding earlier ones
     * @param overrides {@code key=value} pairs relative to {@code lomo} ({@code train.steps=100},
     *                  {@code hadoop."fs.s3a.endpoint"="http://127.0.0.1:9000"}); values are HOCON
     * @throws IllegalArgumentException naming the file, the key and what is wrong
     */
    public static PipelineConfig load(List<Path> files, List<String> overrides) {
        Config defaults = Settings.defaultsFile();
        // each withFallback adds a lower layer: the last override first, then the files from the last one
        Config user = ConfigFactory.empty();
        for (int k = overrides.size() - 1; k >= 0; k--) {
            String o = overrides.get(k);
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("override '" + o + "' is not key=value (e.g. train.steps=100)");
            }
            String key = o.substring(0, eq).trim();
            key = key.startsWith(ROOT + ".") ? key : ROOT + "." + key;
            user = user.withFallback(override(key, o.substring(eq + 1).trim(), "override '" + o + "'"));
        }
        for (int k = files.size() - 1; k >= 0; k--) {
            Path f = files.get(k);
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException("config file " + f + " does not exist");
            }
            user = user.withFallback(ConfigFactory.parseFile(f.toFile(),
                    ConfigParseOptions.defaults().setAllowMissing(false)));
        }
        Config all;
        try {
            // ${?ENV} substitutions resolve against the environment
            all = user.withFallback(defaults).resolve();
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        rejectUnknown(user, defaults);
        try {
            return from(all.getConfig(ROOT), all);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The resolved settings as HOCON, every credential replaced by {@code ****}. */
    public String render() {
        Config shown = source;
        for (Map.Entry<String, ConfigValue> e : source.entrySet()) {
            if (isSecret(e.getKey())) {
                shown = shown.withValue(e.getKey(), ConfigValueFactory.fromAnyRef("****"));
            }
        }
        return shown.getConfig(ROOT).root().render(ConfigRenderOptions.defaults().setOriginComments(false)
                .setComments(false).setJson(false));
    }

    /** Whether a setting's value is a credential (by its name), and so never printed. */
    public static boolean isSecret(String key) {
        return SECRET.matcher(key).matches();
    }

    /**
     * One {@code key=value} from the command line. A list or object ({@code [BoolQ, RTE]}) is HOCON; anything else
     * is the literal string (typed reads convert {@code 100}, {@code true}, {@code 300s}), so a URL such as
     * {@code s3a://bucket/x} needs no quotes; {@code null} is null.
     */
    private static Config override(String key, String value, String what) {
        try {
            ConfigParseOptions origin = ConfigParseOptions.defaults().setOriginDescription(what);
            // a list, an object, or a quoted string ("runs/x y", "local[3]"): HOCON, so the quotes are not kept
            if (value.startsWith("[") || value.startsWith("{")
                    || (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\""))) {
                return ConfigFactory.parseString(key + " = " + value, origin);
            }
            Config blank = ConfigFactory.parseString(key + " = null", origin);
            return value.equals("null") ? blank
                    : blank.withValue(key, ConfigValueFactory.fromAnyRef(value, what));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }

    /** Every key set by the user must exist in the defaults, except inside the free-form hadoop and spark maps. */
    private static void rejectUnknown(Config user, Config defaults) {
        for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(ROOT + ".")) {
                throw new IllegalArgumentException("setting '" + key + "' (" + e.getValue().origin().description()
                        + ") is outside the lomo { } block");
            }
            List<String> path = ConfigUtil.splitPath(key);
            if (path.size() > 2 && (path.get(1).equals("hadoop") || path.get(1).equals("spark"))) {
                continue;
            }
            if (!defaults.hasPathOrNull(key)) {
                String parent = ConfigUtil.joinPath(path.subList(0, path.size() - 1));
                TreeSet<String> known = new TreeSet<>();
                if (defaults.hasPath(parent)) {
                    defaults.getConfig(parent).root().keySet().forEach(known::add);
                }
                throw new IllegalArgumentException("unknown setting '" + key + "' ("
                        + e.getValue().origin().description() + ")" + (known.isEmpty() ? ""
                        : "; known in " + parent + ": " + String.join(", ", known)));
            }
        }
    }

    private static PipelineConfig from(Config c, Config all) {
        Config p = c.getConfig("prepare");
        List<SuperGlueTask> tasks = new ArrayList<>();
        for (String t : p.getStringList("tasks")) {
            tasks.add(SuperGlueTask.fromDirName(t));
        }
        List<InstructInput> instruct = new ArrayList<>();
        for (Config i : p.getConfigList("instruct")) {
            instruct.add(new InstructInput(i.getString("name"), i.getString("path"),
                    InstructInput.Format.parse(i.getString("format"))));
        }
        Config s = p.getConfig("sample");
        Prepare prepare = new Prepare(optional(p, "superglue"), tasks, instruct, p.getString("tokenizer"),
                p.getInt("max-length"), p.getInt("shards"),
                new Sampling(s.getLong("seed"), s.getInt("train"), s.getInt("eval")), p.getInt("pack"),
                p.getDouble("max-bad-fraction"), p.getBytes("split-bytes"),
                Math.toIntExact(p.getBytes("max-line-bytes")));
        if (prepare.superglue() == null && instruct.isEmpty()) {
            throw new IllegalArgumentException("prepare.superglue is null and prepare.instruct is empty: no data");
        }
        // the model and train blocks are the recipe's, read where every entry point reads them; the data layout's
        // seq is the longest row prepare may write, narrowed to the prepared data's longest by the train stage
        Recipe recipe = Settings.read(c, c.getString("run-dir") + "/prepared", prepare.maxLength() - 1);
        TrainSpec.check(recipe);
        if (prepare.shards() < recipe.runtime().dp()) {
            throw new IllegalArgumentException("prepare.shards " + prepare.shards() + " is less than train.dp "
                    + recipe.runtime().dp() + ": every data-parallel rank reads its own shards");
        }
        Config e = c.getConfig("evaluate");
        Evaluate evaluate = new Evaluate(e.getString("split"), e.getInt("batch"), e.getInt("tasks"),
                e.getString("device"), e.getString("dtype"));
        checkDevice(e, "evaluate");
        if (!List.of("val", "test").contains(evaluate.split())) {
            throw new IllegalArgumentException("evaluate.split '" + evaluate.split() + "' ("
                    + e.getValue("split").origin().description() + ") is not val or test");
        }
        Config g = c.getConfig("generate");
        Generate generate = new Generate(g.getStringList("prompts"), g.getInt("max-new-tokens"),
                g.getDouble("temperature"), g.getDouble("top-p"), g.getLong("seed"), g.getBoolean("chat-template"));
        int evalEvery = c.getInt("train.eval-every");
        if (evalEvery < 0 || (evalEvery > 0 && !evaluate.split().equals("val"))) {
            throw new IllegalArgumentException("train.eval-every " + evalEvery + " (" + c.getValue(
                    "train.eval-every").origin().description() + ") must be 0, or a step count with evaluate.split"
                    + " val (the labeled split; it is " + evaluate.split() + ")");
        }
        return new PipelineConfig(c.getString("run-dir"), prepare, recipe, c.getLong("train.fail-once-at-step"),
                evalEvery, evaluate, generate, flat(c, "hadoop"), flat(c, "spark"), all);
    }

    /** {@code block.device} must be cpu or cuda and {@code block.dtype} f32, bf16 or f16. */
    private static void checkDevice(Config c, String block) {
        for (Map.Entry<String, List<String>> key : List.of(Map.entry("device", List.of("cpu", "cuda")),
                Map.entry("dtype", List.of("f32", "bf16", "f16")))) {
            String value = c.getString(key.getKey());
            if (!key.getValue().contains(value)) {
                throw new IllegalArgumentException(block + "." + key.getKey() + " '" + value + "' ("
                        + c.getValue(key.getKey()).origin().description() + ") must be one of " + key.getValue());
            }
        }
    }

    private static String optional(Config c, String key) {
        return c.getIsNull(key) ? null : c.getString(key);
    }

    /** A free-form block as dotted keys: {@code fs.s3a { endpoint = x }} and {@code "fs.s3a.endpoint" = x} alike. */
    private static Map<String, String> flat(Config c, String block) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : c.getConfig(block).entrySet()) {
            out.put(String.join(".", ConfigUtil.splitPath(e.getKey())), String.valueOf(e.getValue().unwrapped()));
        }
        return out;
    }

    @Override
    public String toString() {
        return "PipelineConfig[" + runDir + "]";
    }
}
