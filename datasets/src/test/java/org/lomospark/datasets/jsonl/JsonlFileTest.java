package org.lomospark.datasets.jsonl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlFileTest {
    private static final RecordParser<String> WORD = node -> Fields.requireText(node, "w");

    @TempDir
    Path dir;

    private Path write(byte[]... lines) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            out.writeBytes(line);
            out.write('\n');
        }
        Path file = dir.resolve("f.jsonl");
        Files.write(file, out.toByteArray());
        return file;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String reason(Parsed<?> parsed) {
        return assertInstanceOf(Parsed.Bad.class, parsed).reason();
    }

    private static Object value(Parsed<?> parsed) {
        return assertInstanceOf(Parsed.Ok.class, parsed).value();
    }

    @Test
    void blankLinesAreSkippedButStillCountTowardsLineNumbers() throws IOException {
        Path file = write(utf8("{\"w\": \"a\"}"), utf8(""), utf8("   \t"), utf8("{\"w\": \"b\"}"));
        List<Parsed<String>> parsed = JsonlFile.read(file, WORD);
        assertEquals(List.of(new Parsed.Ok<>(file, 1, "a"), new Parsed.Ok<>(file, 4, "b")), parsed);
    }

    @Test
    void invalidUtf8SpoilsOnlyItsOwnLineAndIsNeverReplaced() throws IOException {
        byte[] lone = {'{', '"', 'w', '"', ':', '"', 'c', 'a', 'f', (byte) 0xE9, '"', '}'}; // Latin-1 é
        byte[] overlong = {'{', '"', 'w', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'};
        byte[] truncated = {'{', '"', 'w', '"', ':', '"', 'x', '"', '}', (byte) 0xE2, (byte) 0x82};
        Path file = write(utf8("{\"w\": \"ok\"}"), lone, overlong, truncated, utf8("{\"w\": \"naïve 日本\"}"));
        List<Parsed<String>> parsed = JsonlFile.read(file, WORD);
        assertEquals(5, parsed.size());
        assertEquals("ok", value(parsed.get(0)));
        assertEquals("not valid UTF-8 at byte 10", reason(parsed.get(1)));
        assertEquals("not valid UTF-8 at byte 7", reason(parsed.get(2)));
        assertEquals("not valid UTF-8 at byte 10", reason(parsed.get(3)));
        assertEquals("naïve 日本", value(parsed.get(4)));
    }

    @Test
    void brokenJsonNonObjectsTrailingTokensAndDuplicateKeysAreBadLines() throws IOException {
        Path file = write(utf8("{\"w\": \"a\""), utf8("[1, 2]"), utf8("{\"w\": \"a\"} {\"w\": \"b\"}"),
                utf8("{\"w\": \"a\", \"w\": \"b\"}"), utf8("{\"w\": \"fine\"}"));
        List<Parsed<String>> parsed = JsonlFile.read(file, WORD);
        assertTrue(reason(parsed.get(0)).startsWith("not valid JSON: "), reason(parsed.get(0)));
        assertEquals("not a JSON object", reason(parsed.get(1)));
        assertTrue(reason(parsed.get(2)).startsWith("not valid JSON: "), reason(parsed.get(2)));
        assertTrue(reason(parsed.get(3)).contains("Duplicate field 'w'"), reason(parsed.get(3)));
        assertEquals("fine", value(parsed.get(4)));
    }

    @Test
    void crlfLineEndingsAndAMissingFinalNewlineStillParse() throws IOException {
        Path file = dir.resolve("crlf.jsonl");
        Files.write(file, utf8("{\"w\": \"a\"}\r\n{\"w\": \"b\"}"));
        assertEquals(List.of(new Parsed.Ok<>(file, 1, "a"), new Parsed.Ok<>(file, 2, "b")),
                JsonlFile.read(file, WORD));
    }

    @Test
    void badLineDescribesItselfAsFileColonLineColonReason() throws IOException {
        Path file = write(utf8("{}"), utf8("{\"w\": 3}"));
        List<Parsed<String>> parsed = JsonlFile.read(file, WORD);
        assertEquals(file + ":1: field 'w': missing", ((Parsed.Bad<String>) parsed.get(0)).describe());
        assertEquals(file + ":2: field 'w': expected a string, got 3", parsed.get(1).toString());
    }
}
