package org.lomospark.datasets.superglue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.lomospark.datasets.superglue.Fixture.bad;
import static org.lomospark.datasets.superglue.Fixture.badUtf8;
import static org.lomospark.datasets.superglue.Fixture.good;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MultiRcTest {
    private static final String GOOD = "{\"idx\": 3, \"version\": 1.1, \"passage\": {\"text\": \"Ada owns a red kayak."
            + " She paddles on Sundays.\", \"questions\": ["
            + "{\"question\": \"What does Ada own?\", \"idx\": 10, \"answers\": ["
            + "{\"text\": \"A kayak\", \"idx\": 40, \"label\": 1}, {\"text\": \"A bike\", \"idx\": 41, \"label\": 0}]},"
            + "{\"question\": \"When does she paddle?\", \"idx\": 11, \"answers\": ["
            + "{\"text\": \"On Sundays\", \"idx\": 42, \"label\": 1}, {\"text\": \"Daily\", \"idx\": 43, \"label\": 0},"
            + " {\"text\": \"Once a week\", \"idx\": 44, \"label\": 1}]}]}}";

    @Test
    void readsNestedQuestionsAndAnswersWithTheirOwnIdx() throws Exception {
        assertEquals(new MultiRc(3, "Ada owns a red kayak. She paddles on Sundays.", List.of(
                new MultiRc.Question(10, "What does Ada own?", List.of(
                        new MultiRc.Answer(40, "A kayak", 1), new MultiRc.Answer(41, "A bike", 0))),
                new MultiRc.Question(11, "When does she paddle?", List.of(
                        new MultiRc.Answer(42, "On Sundays", 1), new MultiRc.Answer(43, "Daily", 0),
                        new MultiRc.Answer(44, "Once a week", 1))))),
                Fixture.parseOne(MultiRc::parse, GOOD));
    }

    @Test
    void testSplitAnswersHaveNullLabels() throws Exception {
        MultiRc rc = Fixture.parseOne(MultiRc::parse, GOOD.replaceAll(", \"label\": \\d", ""));
        assertEquals(5, rc.questions().stream().flatMap(q -> q.answers().stream()).filter(a -> a.label() == null).count());
    }

    @Test
    void eachMalformedLineIsOneBadRecordNamingItsPathInsideTheRecord(@TempDir Path dir) throws Exception {
        Fixture.assertLines(dir, MultiRc::parse, List.of(
                good(GOOD),
                bad(GOOD.replace("\"idx\": 43, \"label\": 0", "\"idx\": 43, \"label\": 2"),
                        "field 'passage.questions[1].answers[1].label': expected 0 or 1, got 2"),
                bad(GOOD.replace("{\"text\": \"A bike\", ", "{"), "field 'passage.questions[0].answers[1].text': missing"),
                bad(GOOD.replace("\"When does she paddle?\"", "\" \""), "field 'passage.questions[1].question': empty"),
                bad(GOOD.replace("\"idx\": 11", "\"idx\": \"11\""),
                        "field 'passage.questions[1].idx': expected an integer, got \"11\""),
                bad("{\"idx\": 4, \"passage\": {\"text\": \"t\", \"questions\": []}}", "field 'passage.questions': empty"),
                bad("{\"idx\": 5, \"passage\": \"t\"}", "field 'passage': expected an object, got \"t\""),
                bad(GOOD.substring(0, GOOD.length() - 1), "not valid JSON: ..."),
                badUtf8(GOOD.replace("red kayak", "red kay~k"))));
    }
}
