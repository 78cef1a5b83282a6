package org.lomospark.trainer.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code --key value} pairs of a command line, with every key checked against the command's known ones. Public for
 * the bench module's {@code lomo-trainer bench}, which takes the train options plus its own.
 *
 * <pre>
 * Args a = new Args(argv, 1, Setup.defaults(false));   // argv[0] is the command
 * int seq = a.integer("seq");
 * </pre>
 */
public final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();

    /**
     * The options of {@code argv} from index {@code from} on, over {@code defaults}, whose keys are the known ones.
     *
     * @throws IllegalArgumentException for an unknown option or one without a value, naming it
     */
    public Args(String[] argv, int from, Map<String, String> defaults) {
        values.putAll(defaults);
        Set<String> known = defaults.keySet();
        for (int i = from; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("expected --key value, got '" + a + "'");
            }
            String key = a.substring(2);
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown option --" + key + " (known: --" + String.join(", --", known) + ")");
            }
            values.put(key, argv[++i]);
        }
    }

    /**
     * Whether the options of {@code argv} from index {@code from} on ask for the usage: {@code --help} or {@code -h}
     * where a key goes (a value that reads {@code -h} is a value).
     */
    public static boolean asksForHelp(String[] argv, int from) {
        for (int i = from; i < argv.length; i += 2) {
            if (argv[i].equals("--help") || argv[i].equals("-h")) {
                return true;
            }
        }
        return false;
    }

    /** Whether the command knows {@code key}. */
    boolean has(String key) {
        return values.containsKey(key);
    }

    /** The value of {@code key}: given, or its default. */
    public String get(String key) {
        return values.get(key);
    }

    /**
     * The value of {@code key} as an integer.
     *
     * @throws IllegalArgumentException when it is not one, naming the option
     */
    public int integer(String key) {
        try {
            return Integer.parseInt(values.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be an integer, got '" + values.get(key) + "'");
        }
    }

    double number(String key) {
        try {
            return Double.parseDouble(values.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a number, got '" + values.get(key) + "'");
        }
    }

    /** The value of {@code key} as a boolean ({@code true}, any case; anything else is false). */
    public boolean flag(String key) {
        return Boolean.parseBoolean(values.get(key));
    }

    /** The options as passed on, for a child process. */
    public String[] toArgv() {
        return values.entrySet().stream().flatMap(e -> java.util.stream.Stream.of("--" + e.getKey(), e.getValue()))
                .toArray(String[]::new);
    }

    /** Sets {@code key} to {@code value}, replacing what was given or its default; returns this. */
    public Args with(String key, String value) {
        values.put(key, value);
        return this;
    }
}
