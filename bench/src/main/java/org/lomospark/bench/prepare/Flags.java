package org.lomospark.bench.prepare;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --name value} command-line pairs of the scale benchmark's mains, checked against the names a main knows:
 * an unknown or a missing name fails naming the known ones, never a default taken silently.
 *
 * <pre>
 * Flags f = Flags.parse(args, Map.of("--seed", "12", "--examples", Flags.REQUIRED));
 * long n = f.longValue("--examples");
 * </pre>
 */
final class Flags {
    /** The default of a flag that has none: {@link #get} fails when it was not given. */
    static final String REQUIRED = "\u0000required";
    /** The default of an optional flag without a value: {@link #get} gives null when it was not given. */
    static final String OPTIONAL = "\u0000optional";

    private final Map<String, String> values;

    private Flags(Map<String, String> values) {
        this.values = values;
    }

    /** @param defaults every known flag with its default, {@link #REQUIRED} or {@link #OPTIONAL} */
    static Flags parse(String[] args, Map<String, String> defaults) {
        Map<String, String> values = new LinkedHashMap<>(defaults);
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + List.of(args));
            }
            if (!defaults.containsKey(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + " (options: " + defaults.keySet()
                        + ")");
            }
            values.put(args[i], args[i + 1]);
        }
        return new Flags(values);
    }

    /** The value, or null for an optional flag not given. */
    String get(String name) {
        if (!values.containsKey(name)) {
            throw new IllegalStateException("no flag " + name + " is declared");
        }
        String v = values.get(name);
        if (REQUIRED.equals(v)) {
            throw new IllegalArgumentException(name + " is required");
        }
        return OPTIONAL.equals(v) ? null : v;
    }

    int intValue(String name) {
        return Integer.parseInt(get(name));
    }

    long longValue(String name) {
        return Long.parseLong(get(name));
    }

    boolean booleanValue(String name) {
        String v = get(name);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(name + " must be true or false, got " + v);
        }
        return v.equals("true");
    }

    Path path(String name) {
        String v = get(name);
        return v == null ? null : Path.of(v);
    }

    /** The flags given or defaulted, as arguments again: what a child process of the same main is passed. */
    List<String> args() {
        List<String> out = new ArrayList<>();
        values.forEach((k, v) -> {
            if (!REQUIRED.equals(v) && !OPTIONAL.equals(v)) {
                out.add(k);
                out.add(v);
            }
        });
        return out;
    }
}
