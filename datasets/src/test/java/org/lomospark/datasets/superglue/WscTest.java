package org.lomospark.datasets.superglue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.lomospark.datasets.superglue.Fixture.bad;
import static org.lomospark.datasets.superglue.Fixture.badUtf8;
import static org.lomospark.datasets.superglue.Fixture.good;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WscTest {
    // 9 words: The(0) jug(1) fell(2) off(3) the(4) shelf(5) because(6) it(7) slipped.(8)
    private static String line(String target) {
        return "{\"text\": \"The jug fell off the shelf because it slipped.\", \"target\": " + target
                + ", \"idx\": 5, \"label\": true}";
    }

    private static String target(String span1Index, String span2Index) {
        return "{\"span1_text\": \"The jug\", \"span1_index\": " + span1Index
                + ", \"span2_text\": \"it\", \"span2_index\": " + span2Index + "}";
    }

    @Test
    void readsTheNestedTargetAndItsIndicesCountWords() throws Exception {
        Wsc wsc = Fixture.parseOne(Wsc::parse, line(target("0", "7")));
        assertEquals(new Wsc(5, "The jug fell off the shelf because it slipped.",
                new Wsc.Target("The jug", 0, "it", 7), true), wsc);
        assertEquals("it", wsc.text().split(" ")[wsc.target().span2Index()]);
    }

    @Test
    void eachMalformedLineIsOneBadRecordNamingItsField(@TempDir Path dir) throws Exception {
        Fixture.assertLines(dir, Wsc::parse, List.of(
                good(line(target("0", "7"))),
                good(line(target("4", "8"))),
                bad(line(target("0", "9")), "field 'target.span2_index': 9 outside the text's 9 words"),
                bad(line(target("-1", "7")), "field 'target.span1_index': -1 outside the text's 9 words"),
                bad(line(target("\"0\"", "7")), "field 'target.span1_index': expected an integer, got \"0\""),
                bad(line(target("0", "7").replace("\"it\"", "\"\"")), "field 'target.span2_text': empty"),
                bad(line("\"The jug\""), "field 'target': expected an object, got \"The jug\""),
                bad("{\"text\": \"A b.\", \"idx\": 1}", "field 'target': missing"),
                bad(line(target("0", "7")).replace("\"label\": true", "\"label\": \"True\""),
                        "field 'label': expected a boolean, got \"True\""),
                bad("{\"text\": \"  \", \"target\": " + target("0", "7") + ", \"idx\": 2}", "field 'text': empty"),
                bad("{\"text\": \"x\", ", "not valid JSON: ..."),
                badUtf8(line(target("0", "7")).replace("shelf", "shel~"))));
    }
}
