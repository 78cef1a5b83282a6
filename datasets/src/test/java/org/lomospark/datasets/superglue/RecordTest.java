package org.lomospark.datasets.superglue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.lomospark.datasets.superglue.Fixture.bad;
import static org.lomospark.datasets.superglue.Fixture.badUtf8;
import static org.lomospark.datasets.superglue.Fixture.good;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordTest {
    // "Oslo" is chars 0..3 and "Bergen" chars 20..25 (inclusive ends); the text has 33 chars.
    private static final String TEXT = "Oslo is colder than Bergen today.";

    private static String line(String entities, String answers) {
        return "{\"source\": \"Invented\", \"passage\": {\"text\": \"" + TEXT + "\", \"entities\": " + entities + "},"
                + " \"qas\": [{\"query\": \"@placeholder was warmer.\", \"idx\": 9" + answers + "}], \"idx\": 2}";
    }

    private static final String ENTITIES = "[{\"start\": 0, \"end\": 3}, {\"start\": 20, \"end\": 25}]";
    private static final String ANSWERS = ", \"answers\": [{\"start\": 20, \"end\": 25, \"text\": \"Bergen\"}]";

    @Test
    void readsEntitiesAndAnswersWithInclusiveEnds() throws Exception {
        Record rec = Fixture.parseOne(Record::parse, line(ENTITIES, ANSWERS));
        assertEquals(new Record(2, TEXT,
                List.of(new Record.Entity(0, 3), new Record.Entity(20, 25)),
                List.of(new Record.Query(9, "@placeholder was warmer.", List.of(new Record.Answer(20, 25, "Bergen"))))),
                rec);
        assertEquals(List.of("Oslo", "Bergen"), rec.entities().stream().map(e -> e.text(TEXT)).toList());
    }

    @Test
    void testSplitQueriesHaveNoAnswers() throws Exception {
        assertEquals(List.of(), Fixture.parseOne(Record::parse, line(ENTITIES, "")).queries().get(0).answers());
    }

    @Test
    void spansMustLieInsideThePassageCountingTheEndAsIncluded(@TempDir Path dir) throws Exception {
        Fixture.assertLines(dir, Record::parse, List.of(
                good(line(ENTITIES, ANSWERS)),
                good(line("[{\"start\": 32, \"end\": 32}]", "")),
                bad(line("[{\"start\": 0, \"end\": 3}, {\"start\": 20, \"end\": 33}]", ANSWERS),
                        "field 'passage.entities[1].end': 33 not in [start 20, passage length 33); ends are inclusive"),
                bad(line("[{\"start\": 4, \"end\": 3}]", ANSWERS),
                        "field 'passage.entities[0].end': 3 not in [start 4, passage length 33); ends are inclusive"),
                bad(line(ENTITIES, ", \"answers\": [{\"start\": -1, \"end\": 2, \"text\": \"Osl\"}]"),
                        "field 'qas[0].answers[0].start': -1 outside the passage (length 33)"),
                bad(line(ENTITIES, ANSWERS).replace("@placeholder was", "Bergen was"),
                        "field 'qas[0].query': has no @placeholder"),
                bad(line("[]", ANSWERS), "field 'passage.entities': empty"),
                bad(line("[{\"start\": 0}]", ANSWERS), "field 'passage.entities[0].end': missing"),
                bad(line(ENTITIES, ANSWERS).replace(TEXT, "  "), "field 'passage.text': empty"),
                bad("{\"idx\": 1, \"passage\": {\"text\": \"t\", \"entities\": [{\"start\": 0, \"end\": 0}]}}",
                        "field 'qas': missing"),
                bad(line(ENTITIES, ANSWERS).replace("}], \"idx\"", "], \"idx\""), "not valid JSON: ..."),
                badUtf8(line(ENTITIES, ANSWERS).replace("colder", "cold~r"))));
    }
}
