package org.lomospark.datasets.superglue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.lomospark.datasets.superglue.Fixture.bad;
import static org.lomospark.datasets.superglue.Fixture.badUtf8;
import static org.lomospark.datasets.superglue.Fixture.blank;
import static org.lomospark.datasets.superglue.Fixture.good;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CbTest {
    @Test
    void readsEveryField() throws Exception {
        assertEquals(new Cb(3, "A: Is it raining? B: I doubt it is.", "it is raining", "contradiction"),
                Fixture.parseOne(Cb::parse, "{\"premise\": \"A: Is it raining? B: I doubt it is.\","
                        + " \"hypothesis\": \"it is raining\", \"label\": \"contradiction\", \"idx\": 3}"));
    }

    @Test
    void eachMalformedLineIsOneBadRecordNamingItsField(@TempDir Path dir) throws Exception {
        Fixture.assertLines(dir, Cb::parse, List.of(
                good("{\"idx\": 0, \"premise\": \"p\", \"hypothesis\": \"h\", \"label\": \"neutral\"}"),
                bad("{\"idx\": 1, \"premise\": \"p\", \"hypothesis\": \"h\", \"label\": \"maybe\"}",
                        "field 'label': unknown label 'maybe' (choices: entailment, contradiction, neutral)"),
                bad("{\"idx\": 2, \"premise\": \"p\", \"hypothesis\": \"h\", \"label\": \"Neutral\"}",
                        "field 'label': unknown label 'Neutral' (choices: entailment, contradiction, neutral)"),
                bad("{\"idx\": 3, \"premise\": \"p\", \"hypothesis\": \"h\", \"label\": 1}",
                        "field 'label': expected a string, got 1"),
                bad("{\"idx\": 4, \"premise\": \"p\", \"label\": \"neutral\"}", "field 'hypothesis': missing"),
                bad("{\"idx\": 5, \"premise\": \"\", \"hypothesis\": \"h\"}", "field 'premise': empty"),
                bad("idx: 6", "not valid JSON: ..."),
                badUtf8("{\"idx\": 7, \"premise\": \"p~\", \"hypothesis\": \"h\"}"),
                blank(),
                good("{\"idx\": 8, \"premise\": \"p\", \"hypothesis\": \"h\"}")));
    }
}
