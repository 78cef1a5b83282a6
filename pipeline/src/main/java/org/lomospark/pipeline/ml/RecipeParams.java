package org.lomospark.pipeline.ml;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.Identifiable;
import org.lomospark.trainer.recipe.Recipe;
import org.lomospark.trainer.recipe.Settings;

/**
 * The training recipe's settings as Spark ML Params of one owner: each named as its setting in camelCase
 * ({@code micro-batches} is {@code microBatches}), documented by the setting's comment in the embedded defaults and
 * defaulting to its value there, so a Param states nothing of its own. {@link #recipe} reads them back through the
 * one reader of recipes ({@link Settings#named}), which checks them (no validators here: checked once, at fit).
 */
final class RecipeParams implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Identifiable owner;
    private final Map<String, Settings.Key> keys = new LinkedHashMap<>();
    /** Setting name to its Param. */
    private final Map<String, Param<?>> params = new LinkedHashMap<>();

    RecipeParams(Identifiable owner) {
        this.owner = owner;
        for (Settings.Key k : Settings.keys()) {
            keys.put(k.name(), k);
        }
    }

    Param<String> string(String setting) {
        return add(setting, new Param<>(owner, key(setting).paramName(), key(setting).doc()));
    }

    IntParam intParam(String setting) {
        return add(setting, new IntParam(owner, key(setting).paramName(), key(setting).doc()));
    }

    LongParam longParam(String setting) {
        return add(setting, new LongParam(owner, key(setting).paramName(), key(setting).doc()));
    }

    DoubleParam doubleParam(String setting) {
        return add(setting, new DoubleParam(owner, key(setting).paramName(), key(setting).doc()));
    }

    BooleanParam booleanParam(String setting) {
        return add(setting, new BooleanParam(owner, key(setting).paramName(), key(setting).doc()));
    }

    /** Gives every Param its default from the defaults file, typed as the Param is; {@code init-from} has none. */
    void setDefaults(DefaultSetter owner) {
        if (params.size() != keys.size()) {
            throw new IllegalStateException("the fine-tuner has Params for " + params.keySet() + " but the recipe's "
                    + "settings are " + keys.keySet());
        }
        for (Map.Entry<String, Param<?>> e : params.entrySet()) {
            String value = keys.get(e.getKey()).defaultString();
            if (value == null) {
                continue;
            }
            Param<?> p = e.getValue();
            Object typed = p instanceof IntParam ? Integer.valueOf(value) : p instanceof LongParam ? Long.valueOf(value)
                    : p instanceof DoubleParam ? Double.valueOf(value) : p instanceof BooleanParam
                    ? Boolean.valueOf(value) : value;
            owner.setDefault(p, typed);
        }
    }

    /** How an owner sets a default (its protected {@code setDefault}). */
    @FunctionalInterface
    interface DefaultSetter {
        void setDefault(Param<?> param, Object value);
    }

    /**
     * The recipe of the owner's values (set or default) over {@code source} with rows of {@code seq} tokens.
     *
     * @throws IllegalArgumentException naming the Param for a bad value or settings that cannot go together
     */
    Recipe recipe(Params values, String source, int seq) {
        Map<String, Object> named = new LinkedHashMap<>();
        for (Map.Entry<String, Param<?>> e : params.entrySet()) {
            if (values.isDefined(e.getValue())) {
                named.put(e.getKey(), values.getOrDefault(e.getValue()));
            }
        }
        return Settings.named(named, n -> "Param " + keys.get(n).paramName(), source, seq);
    }

    private Settings.Key key(String setting) {
        Settings.Key k = keys.get(setting);
        if (k == null) {
            throw new IllegalArgumentException("no recipe setting '" + setting + "' in " + Settings.DEFAULTS);
        }
        return k;
    }

    private <P extends Param<?>> P add(String setting, P p) {
        params.put(setting, p);
        return p;
    }
}
