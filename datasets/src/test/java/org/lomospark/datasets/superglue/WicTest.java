package org.lomospark.datasets.superglue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.lomospark.datasets.superglue.Fixture.bad;
import static org.lomospark.datasets.superglue.Fixture.badUtf8;
import static org.lomospark.datasets.superglue.Fixture.good;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WicTest {
    // sentence1 has 16 chars, "cast" at [5, 9); sentence2 has 21 chars, "cast" at [16, 20).
    private static String line(int start1, int end1, int start2, int end2) {
        return "{\"word\": \"cast\", \"sentence1\": \"They cast a net.\", \"sentence2\": \"His arm is in a cast.\","
                + " \"start1\": " + start1 + ", \"end1\": " + end1 + ", \"start2\": " + start2 + ", \"end2\": " + end2
                + ", \"idx\": 2, \"label\": false}";
    }

    @Test
    void readsEveryFieldAndTheOffsetsPointAtTheWord() throws Exception {
        Wic wic = Fixture.parseOne(Wic::parse, line(5, 9, 16, 20));
        assertEquals(new Wic(2, "cast", "They cast a net.", "His arm is in a cast.", 5, 9, 16, 20, false), wic);
        assertEquals("cast", wic.sentence1().substring(wic.start1(), wic.end1()));
        assertEquals("cast", wic.sentence2().substring(wic.start2(), wic.end2()));
    }

    @Test
    void spansMustLieInsideTheirSentence(@TempDir Path dir) throws Exception {
        Fixture.assertLines(dir, Wic::parse, List.of(
                good(line(5, 9, 16, 20)),
                good(line(0, 16, 0, 21)),
                bad(line(5, 17, 16, 20), "field 'end1': 17 not in (start 5, sentence length 16]"),
                bad(line(5, 9, -1, 20), "field 'start2': -1 outside the sentence (length 21)"),
                bad(line(5, 5, 16, 20), "field 'end1': 5 not in (start 5, sentence length 16]"),
                bad(line(5, 9, 21, 22), "field 'start2': 21 outside the sentence (length 21)"),
                bad(line(5, 9, 16, 20).replace("\"start1\": 5", "\"start1\": 5.5"),
                        "field 'start1': expected an integer, got 5.5"),
                bad(line(5, 9, 16, 20).replace("\"word\": \"cast\", ", ""), "field 'word': missing"),
                bad(line(5, 9, 16, 20).replace("\"label\": false", "\"label\": 0"),
                        "field 'label': expected a boolean, got 0"),
                bad(line(5, 9, 16, 20).replace("}", ""), "not valid JSON: ..."),
                badUtf8(line(5, 9, 16, 20).replace("net", "n~t"))));
    }
}
