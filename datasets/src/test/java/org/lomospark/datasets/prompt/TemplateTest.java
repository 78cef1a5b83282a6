package org.lomospark.datasets.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TemplateTest {
    @Test
    void fillsEveryPlaceholderAndKeepsTheTextAround() {
        Template t = Template.parse("{a} and \"{b}\" then {a}.", Set.of("a", "b"));
        assertEquals("x and \"{y}\" then x.", t.render(Map.of("a", "x", "b", "{y}")));
    }

    @Test
    void unknownPlaceholderIsNamedWithTheAllowedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Template.parse("{premise} {hypotesis}", Set.of("premise", "hypothesis")));
        assertEquals("unknown placeholder {hypotesis} (allowed: [hypothesis, premise])", e.getMessage());
    }

    @Test
    void strayBraceIsRejectedWithItsPosition() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Template.parse("{a} }", Set.of("a")));
        assertEquals("unmatched brace at char 4 of \"{a} }\"", e.getMessage());
    }
}
