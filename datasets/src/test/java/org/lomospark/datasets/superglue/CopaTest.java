package org.lomospark.datasets.superglue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.lomospark.datasets.superglue.Fixture.bad;
import static org.lomospark.datasets.superglue.Fixture.badUtf8;
import static org.lomospark.datasets.superglue.Fixture.good;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CopaTest {
    private static String line(String idx, String question, String label) {
        return "{\"premise\": \"The milk went sour.\", \"choice1\": \"It was left in the sun.\","
                + " \"choice2\": \"It was kept cold.\", \"question\": " + question + ", \"idx\": " + idx
                + (label == null ? "" : ", \"label\": " + label) + "}";
    }

    @Test
    void readsEveryField() throws Exception {
        assertEquals(new Copa(4, "The milk went sour.", "It was left in the sun.", "It was kept cold.", "cause", 0),
                Fixture.parseOne(Copa::parse, line("4", "\"cause\"", "0")));
        assertEquals(null, Fixture.parseOne(Copa::parse, line("5", "\"effect\"", null)).label());
    }

    @Test
    void eachMalformedLineIsOneBadRecordNamingItsField(@TempDir Path dir) throws Exception {
        Fixture.assertLines(dir, Copa::parse, List.of(
                good(line("0", "\"effect\"", "1")),
                bad(line("1", "\"why\"", "1"), "field 'question': unknown question 'why' (choices: cause, effect)"),
                bad(line("2", "\"cause\"", "2"), "field 'label': expected 0 or 1, got 2"),
                bad(line("3", "\"cause\"", "\"0\""), "field 'label': expected an integer, got \"0\""),
                bad("{\"idx\": 4, \"premise\": \"p\", \"choice1\": \"a\", \"question\": \"cause\"}",
                        "field 'choice2': missing"),
                bad("{\"idx\": 5, \"premise\": \" \", \"choice1\": \"a\", \"choice2\": \"b\", \"question\": \"cause\"}",
                        "field 'premise': empty"),
                bad(line("6", "cause", "0"), "not valid JSON: ..."),
                badUtf8("{\"idx\": 7, \"premise\": \"p\", \"choice1\": \"~\", \"choice2\": \"b\", \"question\": \"cause\"}"),
                good(line("8", "\"cause\"", null))));
    }
}
