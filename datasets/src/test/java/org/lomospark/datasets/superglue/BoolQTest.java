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

class BoolQTest {
    @Test
    void readsEveryFieldAndLeavesTheTestLabelNull() throws Exception {
        assertEquals(new BoolQ(7, "Owls hunt at night. They sleep by day.", "do owls hunt at night", true),
                Fixture.parseOne(BoolQ::parse, "{\"idx\": 7, \"passage\": \"Owls hunt at night. They sleep by day.\","
                        + " \"question\": \"do owls hunt at night\", \"label\": true}"));
        assertEquals(new BoolQ(0, "P.", "q", null),
                Fixture.parseOne(BoolQ::parse, "{\"idx\": 0, \"passage\": \"P.\", \"question\": \"q\"}"));
    }

    @Test
    void eachMalformedLineIsOneBadRecordNamingItsField(@TempDir Path dir) throws Exception {
        Fixture.assertLines(dir, BoolQ::parse, List.of(
                good("{\"idx\": 0, \"passage\": \"p\", \"question\": \"q\", \"label\": false}"),
                bad("{\"idx\": 1, \"passage\": \"p\", \"question\": \"q\", \"label\": \"yes\"}",
                        "field 'label': expected a boolean, got \"yes\""),
                bad("{\"idx\": 2, \"question\": \"q\", \"label\": true}", "field 'passage': missing"),
                bad("{\"idx\": 3, \"passage\": \"  \", \"question\": \"q\"}", "field 'passage': empty"),
                bad("{\"idx\": 4, \"passage\": \"p\", \"question\": \"q\"", "not valid JSON: ..."),
                blank(),
                badUtf8("{\"idx\": 5, \"passage\": \"caf~\", \"question\": \"q\"}"),
                bad("{\"idx\": \"6\", \"passage\": \"p\", \"question\": \"q\"}", "field 'idx': expected an integer, got \"6\""),
                good("{\"idx\": 7, \"passage\": \"p\", \"question\": \"q\"}")));
    }
}
