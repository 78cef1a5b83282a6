package org.lomospark.trainer.recipe;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The one reader of a {@link Recipe}: from the {@code model} and {@code train} blocks of the HOCON settings, whose
 * defaults, each with its comment, are the embedded {@value #DEFAULTS} (the only place a default is stated). The
 * entry points each bring their own form: the pipeline its HOCON files and overrides, the trainer CLI its
 * {@code --key value} options and the Spark ML fine-tuner its Params, both by {@link #named} with the same key
 * names ({@code micro-batches}; a Param is the camelCase {@code microBatches}).
 *
 * <pre>{@code
 * Recipe r = Settings.named(Map.of("optimizer", "adalomo", "lr", "0.01"), n -> "--" + n, "synthetic", 64);
 * }</pre>
 */
public final class Settings {
    /** The embedded defaults, a classpath resource (from conf/ in the source tree). */
    public static final String DEFAULTS = "lomo-spark-defaults.conf";
    /** Settings of the {@code train} block that are not the recipe's: the pipeline's resume drill. */
    public static final Set<String> PIPELINE_ONLY = Set.of("fail-once-at-step", "eval-every");
    private static final String MODEL = "lomo.model";
    private static final String TRAIN = "lomo.train";
    /** The {@code model} block's keys by their flat names: {@code model} is the preset. */
    private static final Map<String, String> MODEL_KEYS = Map.of("model", "preset", "init-from", "init-from");

    private Settings() {}

    /** One recipe setting: its flat name ({@code lr}, {@code model}), HOCON path, default and documentation. */
    public record Key(String name, String path, ConfigValue defaultValue, String doc) {
        /** The Spark ML Param's name: {@code micro-batches} is {@code microBatches}. */
        public String paramName() {
            return camel(name);
        }

        /** The default as a string ({@code null} for none): what a command line would pass. */
        public String defaultString() {
            Object v = defaultValue.unwrapped();
            return v == null ? null : String.valueOf(v);
        }
    }

    /** The embedded defaults file, parsed once (with its comments); a Config is immutable. */
    public static Config defaultsFile() {
        return Embedded.FILE;
    }

    /** Every recipe setting: the model's, then the train block's by name. */
    public static List<Key> keys() {
        return Embedded.KEYS;
    }

    /** Parsed on first use, from the classpath. */
    private static final class Embedded {
        static final Config FILE = ConfigFactory.parseResources(Settings.class, "/" + DEFAULTS,
                ConfigParseOptions.defaults().setAllowMissing(false));
        static final List<Key> KEYS = List.copyOf(readKeys(FILE));
    }

    private static List<Key> readKeys(Config d) {
        List<Key> keys = new ArrayList<>();
        for (Map.Entry<String, String> m : List.of(Map.entry("model", "preset"), Map.entry("init-from", "init-from"))) {
            keys.add(key(d, m.getKey(), MODEL, m.getValue()));
        }
        // a parsed object does not keep the file's order: by name, for a stable listing
        for (String k : new java.util.TreeSet<>(d.getObject(TRAIN).keySet())) {
            if (!PIPELINE_ONLY.contains(k)) {
                keys.add(key(d, k, TRAIN, k));
            }
        }
        return keys;
    }

    private static Key key(Config d, String name, String block, String key) {
        ConfigValue v = d.getObject(block).get(key); // a null value too (init-from)
        String path = block + "." + key;
        // a comment line starting with --- heads a section of the file, not the setting below it
        String doc = v.origin().comments().stream().map(String::trim).filter(c -> !c.startsWith("---"))
                .collect(Collectors.joining(" ")).trim();
        return new Key(name, path, v, doc);
    }

    /** The recipe of the defaults over {@code source} with rows of {@code seq} tokens. */
    public static Recipe defaults(String source, int seq) {
        return named(Map.of(), n -> n, source, seq);
    }

    /**
     * The recipe from settings by flat name over the defaults ({@code lr}, {@code micro-batches}, {@code model}).
     * Values are strings or numbers as HOCON reads them ({@code "300s"} for a duration); {@code null} or an empty
     * string unsets {@code init-from}.
     *
     * @param origin how a setting's name is shown in errors, as its user wrote it: {@code --lr}, {@code Param lr}
     * @throws IllegalArgumentException naming the setting (as the user wrote it) for an unknown name or a bad value
     */
    public static Recipe named(Map<String, ?> values, UnaryOperator<String> origin, String source, int seq) {
        Map<String, Key> known = keys().stream().collect(Collectors.toMap(Key::name, k -> k, (a, b) -> a,
                LinkedHashMap::new));
        Config given = ConfigFactory.empty();
        for (Map.Entry<String, ?> e : values.entrySet()) {
            Key k = known.get(e.getKey());
            if (k == null) {
                throw new IllegalArgumentException("unknown setting " + origin.apply(e.getKey()) + " (known: "
                        + known.keySet().stream().map(origin).collect(Collectors.joining(", ")) + ")");
            }
            Object v = e.getValue();
            given = given.withValue(k.path(), ConfigValueFactory.fromAnyRef(
                    v == null || v.toString().isEmpty() ? null : v, origin.apply(e.getKey())));
        }
        return read(given.withFallback(defaultsFile()).resolve().getConfig("lomo"), source, seq);
    }

    /**
     * The recipe of resolved HOCON settings rooted at {@code lomo} (its {@code model} and {@code train} blocks), over
     * {@code source} with rows of {@code seq} tokens (the batch is {@code train.batch}); the pipeline's settings, and
     * what {@link #named} builds.
     *
     * @throws IllegalArgumentException naming the key and where it was set for a missing, mistyped or bad value
     */
    public static Recipe read(Config lomo, String source, int seq) {
        Config m = lomo.getConfig("model");
        Config t = lomo.getConfig("train");
        try {
            BaseModel model = new BaseModel(m.getString("preset"), m.getIsNull("init-from") ? null
                    : m.getString("init-from"));
            HyperParams hyper = HyperParams.builder()
                    .optimizer(HyperParams.Optimizer.parse(t.getString("optimizer")))
                    .lr(t.getDouble("lr"))
                    .schedule(HyperParams.Schedule.parse(t.getString("schedule")))
                    .warmup(t.getLong("warmup"))
                    .minLr(t.getDouble("min-lr"))
                    .steps(t.getLong("steps"))
                    .microBatches(t.getInt("micro-batches"))
                    .clipNorm(t.getDouble("clip-norm"))
                    .clipValue(t.getDouble("clip-value"))
                    .weightDecay(t.getDouble("weight-decay"))
                    .seed(t.getLong("seed"))
                    .build();
            RuntimeParams runtime = RuntimeParams.builder()
                    .device(t.getString("device"))
                    .dtype(t.getString("dtype"))
                    .strategy(RuntimeParams.Strategy.parse(t.getString("strategy")))
                    .offload(t.getBoolean("offload"))
                    .initOnCpu(initOnCpu(t.getString("init-on")))
                    .threads(t.getInt("threads"))
                    .dp(t.getInt("dp"))
                    .tp(t.getInt("tp"))
                    .saveEvery(t.getInt("save-every"))
                    .keepLast(t.getInt("keep-last"))
                    .rendezvousTimeout(t.getDuration("rendezvous-timeout"))
                    .build();
            return new Recipe(model, hyper, runtime, new DataLayout(source, t.getInt("batch"), seq));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (BadSetting e) {
            // where the value came from: a file and line, an override, --key or a Param
            boolean model = MODEL_KEYS.containsKey(e.key);
            ConfigValue v = (model ? m : t).root().get(model ? MODEL_KEYS.get(e.key) : e.key);
            String where = v == null ? "" : " (" + v.origin().description() + ")";
            throw new IllegalArgumentException(e.getMessage() + where, e);
        }
    }

    /**
     * The recipe's settings by flat name, the names {@link #read} takes ({@code init-from} only when set), with
     * {@code seq}: what a run records as its hyper-parameters (TensorBoard's).
     */
    public static Map<String, Object> values(Recipe r) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("model", r.model().preset());
        if (r.model().initFrom() != null) {
            v.put("init-from", r.model().initFrom());
        }
        HyperParams h = r.hyper();
        v.put("optimizer", h.optimizer().settingName());
        v.put("lr", h.lr());
        v.put("schedule", h.schedule().settingName());
        v.put("warmup", h.warmup());
        v.put("min-lr", h.minLr());
        v.put("steps", h.steps());
        v.put("micro-batches", h.microBatches());
        v.put("clip-norm", h.clipNorm());
        v.put("clip-value", h.clipValue());
        v.put("weight-decay", h.weightDecay());
        v.put("seed", h.seed());
        RuntimeParams t = r.runtime();
        v.put("device", t.device());
        v.put("dtype", t.dtype());
        v.put("strategy", t.strategy().settingName());
        v.put("offload", t.offload());
        v.put("init-on", t.initOnCpu() ? "cpu" : "device");
        v.put("threads", t.threads());
        v.put("dp", t.dp());
        v.put("tp", t.tp());
        v.put("save-every", t.saveEvery());
        v.put("keep-last", t.keepLast());
        v.put("rendezvous-timeout", t.rendezvousTimeout().toSeconds() + "s");
        v.put("batch", r.data().batch());
        v.put("seq", r.data().seq());
        return v;
    }

    private static boolean initOnCpu(String where) {
        return switch (where) {
            case "device" -> false;
            case "cpu" -> true;
            default -> throw new BadSetting("init-on", "init-on '" + where + "' must be device or cpu");
        };
    }

    /** A bad value of one setting; {@link #read} adds where it was set. */
    static final class BadSetting extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        final String key;

        BadSetting(String key, String message) {
            super(message);
            this.key = key;
        }
    }

    /** Fails naming the setting and its value unless {@code ok}. */
    static void require(boolean ok, String key, Object value, String what) {
        if (!ok) {
            throw new BadSetting(key, key + " = " + value + " must be " + what);
        }
    }

    /** The constant of {@code type} that {@code name} spells (any case), or an error listing the choices. */
    static <E extends Enum<E>> E choice(Class<E> type, String key, String name) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(name)) {
                return e;
            }
        }
        throw new BadSetting(key, key + " '" + name + "' is not one of " + Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
    }

    static String camel(String kebab) {
        StringBuilder s = new StringBuilder();
        boolean up = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                up = true;
            } else {
                s.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return s.toString();
    }
}
