package org.lomospark.datasets.superglue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.lomospark.datasets.jsonl.JsonlFile;
import org.lomospark.datasets.jsonl.Parsed;
import org.lomospark.datasets.jsonl.RecordParser;

/** Test lines for a JSONL file and what each should become. */
final class Fixture {
    /** Written in place of {@code ~} by {@link #badUtf8}: a lone continuation byte, never valid UTF-8. */
    private static final byte STRAY = (byte) 0x80;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One line of the file; {@code reason} null means it must parse, blank lines must vanish. */
    record Line(byte[] bytes, String reason) {}

    private Fixture() {}

    static Line good(String json) {
        return new Line(json.getBytes(StandardCharsets.UTF_8), null);
    }

    /** {@code reason} is the whole expected reason, or its start when it ends with "...". */
    static Line bad(String json, String reason) {
        return new Line(json.getBytes(StandardCharsets.UTF_8), reason);
    }

    static Line blank() {
        return new Line(new byte[0], null);
    }

    /** {@code json} with its {@code ~} replaced by a stray byte. */
    static Line badUtf8(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        int at = json.indexOf('~');
        bytes[at] = STRAY;
        return new Line(bytes, "not valid UTF-8 at byte " + (at + 1));
    }

    /** Parses one line that must be good. */
    static <T> T parseOne(RecordParser<T> parser, String json) throws Exception {
        return parser.parse(JSON.readTree(json));
    }

    /** Writes the lines, reads them back, and checks each non-blank line became exactly what it should. */
    static <T> void assertLines(Path dir, RecordParser<T> parser, List<Line> lines) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Line line : lines) {
            out.writeBytes(line.bytes());
            out.write('\n');
        }
        Path file = dir.resolve("fixture.jsonl");
        Files.write(file, out.toByteArray());
        List<Parsed<T>> parsed = JsonlFile.read(file, parser);

        List<Integer> nonBlank = IntStream.range(0, lines.size())
                .filter(i -> lines.get(i).bytes().length > 0).boxed().toList();
        assertEquals(nonBlank.size(), parsed.size(), "every non-blank line is Ok or Bad, none dropped");
        for (int k = 0; k < parsed.size(); k++) {
            int i = nonBlank.get(k);
            Parsed<T> p = parsed.get(k);
            assertEquals(i + 1, p.line(), "line number of entry " + k);
            String expected = lines.get(i).reason();
            if (expected == null) {
                assertInstanceOf(Parsed.Ok.class, p, () -> "line " + (i + 1) + " should parse: " + p);
            } else {
                String reason = assertInstanceOf(Parsed.Bad.class, p, "line " + (i + 1) + " should be bad").reason();
                if (expected.endsWith("...")) {
                    assertTrue(reason.startsWith(expected.substring(0, expected.length() - 3)), reason);
                } else {
                    assertEquals(expected, reason, "line " + (i + 1));
                }
            }
        }
    }
}
