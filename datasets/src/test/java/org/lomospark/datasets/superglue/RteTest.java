package org.lomospark.datasets.superglue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.lomospark.datasets.superglue.Fixture.bad;
import static org.lomospark.datasets.superglue.Fixture.badUtf8;
import static org.lomospark.datasets.superglue.Fixture.good;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RteTest {
    @Test
    void readsEveryField() throws Exception {
        assertEquals(new Rte(11, "The mill closed in 1990.", "The mill is open.", "not_entailment"),
                Fixture.parseOne(Rte::parse, "{\"premise\": \"The mill closed in 1990.\","
                        + " \"hypothesis\": \"The mill is open.\", \"label\": \"not_entailment\", \"idx\": 11}"));
    }

    @Test
    void eachMalformedLineIsOneBadRecordNamingItsField(@TempDir Path dir) throws Exception {
        Fixture.assertLines(dir, Rte::parse, List.of(
                good("{\"idx\": 0, \"premise\": \"p\", \"hypothesis\": \"h\", \"label\": \"entailment\"}"),
                bad("{\"idx\": 1, \"premise\": \"p\", \"hypothesis\": \"h\", \"label\": \"neutral\"}",
                        "field 'label': unknown label 'neutral' (choices: entailment, not_entailment)"),
                bad("{\"idx\": 2, \"premise\": [\"p\"], \"hypothesis\": \"h\"}",
                        "field 'premise': expected a string, got [\"p\"]"),
                bad("{\"premise\": \"p\", \"hypothesis\": \"h\"}", "field 'idx': missing"),
                bad("{\"idx\": 4, \"premise\": \"p\", \"hypothesis\": \"\\t\"}", "field 'hypothesis': empty"),
                bad("{\"idx\": 5,, \"premise\": \"p\"}", "not valid JSON: ..."),
                badUtf8("{\"idx\": 6, \"premise\": \"~\", \"hypothesis\": \"h\"}"),
                good("{\"idx\": 7, \"premise\": \"p\", \"hypothesis\": \"h\", \"label\": null}")));
    }
}
