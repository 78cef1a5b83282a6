package org.lomospark.datasets.prompt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Text with {@code {field}} placeholders, checked against the fields its task offers when parsed. */
final class Template {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)\\}");

    /** Literal text at even positions, field names at odd ones. */
    private final List<String> parts;

    private Template(List<String> parts) {
        this.parts = parts;
    }

    /** Throws {@link IllegalArgumentException} naming the first unknown placeholder or stray brace. */
    static Template parse(String source, Set<String> fields) {
        List<String> parts = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(source);
        int from = 0;
        while (m.find()) {
            parts.add(literal(source, from, m.start()));
            String name = m.group(1);
            if (!fields.contains(name)) {
                throw new IllegalArgumentException("unknown placeholder {" + name + "} (allowed: "
                        + new TreeSet<>(fields) + ")");
            }
            parts.add(name);
            from = m.end();
        }
        parts.add(literal(source, from, source.length()));
        return new Template(List.copyOf(parts));
    }

    private static String literal(String source, int from, int to) {
        String text = source.substring(from, to);
        int brace = Math.max(text.indexOf('{'), text.indexOf('}'));
        if (brace >= 0) {
            throw new IllegalArgumentException("unmatched brace at char " + (from + brace) + " of \"" + source
                    + "\"");
        }
        return text;
    }

    String render(Map<String, String> values) {
        StringBuilder out = new StringBuilder(parts.get(0));
        for (int i = 1; i < parts.size(); i += 2) {
            String value = values.get(parts.get(i));
            if (value == null) {
                throw new IllegalStateException("no value for {" + parts.get(i) + "} among " + values.keySet());
            }
            out.append(value).append(parts.get(i + 1));
        }
        return out.toString();
    }
}
