package org.lomospark.datasets.instruct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.jsonl.Parsed;

class InstructFileTest {
    @TempDir
    Path dir;

    private static Path sample(String name) throws Exception {
        return Path.of(InstructFileTest.class.getResource("/samples/instruct/" + name).toURI());
    }

    private static <T> List<T> values(List<Parsed<T>> parsed) {
        List<T> out = new ArrayList<>();
        for (Parsed<T> p : parsed) {
            if (!(p instanceof Parsed.Ok<T> ok)) {
                throw new AssertionError("expected no bad records: " + p);
            }
            out.add(ok.value());
        }
        return out;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    private Path write(String name, String text) throws IOException {
        return write(name, text.getBytes(StandardCharsets.UTF_8));
    }

    private static <T> void assertOk(Parsed<T> p, long line) {
        assertInstanceOf(Parsed.Ok.class, p, p::toString);
        assertEquals(line, p.line());
    }

    private static <T> void assertBad(Parsed<T> p, long line, String reason) {
        assertEquals(reason, assertInstanceOf(Parsed.Bad.class, p, p::toString).reason());
        assertEquals(line, p.line());
    }

    @Test
    void samplesParseWithoutBadRecords() throws Exception {
        List<Alpaca> array = values(Alpaca.read(sample("alpaca.json")));
        assertEquals(8, array.size());
        assertEquals(new Alpaca("Add the two numbers.", "17 and 26", "43"), array.get(4));
        assertEquals("", array.get(3).input(), "a missing input reads as empty");
        assertEquals(6, values(Alpaca.read(sample("alpaca.jsonl"))).size());

        List<Conversation> chats = values(Conversation.read(sample("sharegpt.jsonl")));
        assertEquals(6, chats.size());
        assertEquals(List.of(Role.SYSTEM, Role.USER, Role.ASSISTANT, Role.USER, Role.ASSISTANT),
                chats.get(1).turns().stream().map(Turn::role).toList());
        assertEquals(new Turn(Role.ASSISTANT, "yrassecen"), chats.get(2).turns().get(1));
    }

    @Test
    void arrayElementsAreNumberedFromOneAndBadOnesStayInPlace() throws Exception {
        Path file = write("a.json", "\n  [{\"instruction\": \"i\", \"output\": \"o\"},\n"
                + " {\"instruction\": \"i\", \"input\": \"x\"},\n"
                + " 7,\n"
                + " {\"instruction\": \"i\", \"input\": 3, \"output\": \"o\"},\n"
                + " {\"instruction\": \"i\", \"input\": null, \"output\": \"o\"}]\n");
        List<Parsed<Alpaca>> parsed = Alpaca.read(file);
        assertEquals(5, parsed.size());
        assertOk(parsed.get(0), 1);
        assertBad(parsed.get(1), 2, "field 'output': missing");
        assertBad(parsed.get(2), 3, "not a JSON object");
        assertBad(parsed.get(3), 4, "field 'input': expected a string, got 3");
        assertOk(parsed.get(4), 5);
    }

    @Test
    void brokenArrayIsUnreadableNamingTheFile() throws Exception {
        Path file = write("broken.json", "[{\"instruction\": \"i\", \"output\": \"o\"},\n {\"instruction\": }]");
        String message = assertThrows(IOException.class, () -> Alpaca.read(file)).getMessage();
        assertTrue(message.startsWith(file + ": not a valid JSON array: "), message);
        assertTrue(message.contains("at line 2"), message);
    }

    @Test
    void malformedAlpacaLinesAreBadAndTheirNeighboursParse() throws Exception {
        String stray = "{\"instruction\": \"caf~\", \"output\": \"o\"}";
        byte[] utf8 = stray.getBytes(StandardCharsets.UTF_8);
        utf8[stray.indexOf('~')] = (byte) 0x80; // a lone continuation byte, never valid UTF-8
        String good = "{\"instruction\": \"i\", \"output\": \"o\"}\n";
        byte[] head = (good + "{\"instruction\": \"i\", \"output\": }\n" + good
                + "{\"instruction\": \"i\", \"input\": \"x\"}\n" + good
                + "{\"instruction\": \" \", \"output\": \"o\"}\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\n" + good).getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + utf8.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(utf8, 0, all, head.length, utf8.length);
        System.arraycopy(tail, 0, all, head.length + utf8.length, tail.length);

        List<Parsed<Alpaca>> parsed = Alpaca.read(write("a.jsonl", all));
        assertEquals(8, parsed.size());
        assertOk(parsed.get(0), 1);
        assertTrue(assertInstanceOf(Parsed.Bad.class, parsed.get(1)).reason().startsWith("not valid JSON: "));
        assertEquals(2, parsed.get(1).line());
        assertOk(parsed.get(2), 3);
        assertBad(parsed.get(3), 4, "field 'output': missing");
        assertOk(parsed.get(4), 5);
        assertBad(parsed.get(5), 6, "field 'instruction': empty");
        assertBad(parsed.get(6), 7, "not valid UTF-8 at byte " + (stray.indexOf('~') + 1));
        assertOk(parsed.get(7), 8);
    }

    @Test
    void malformedConversationsAreBadAndTheirNeighboursParse() throws Exception {
        String good = "{\"id\": \"g\", \"conversations\": [{\"from\": \"human\", \"value\": \"q\"},"
                + " {\"from\": \"gpt\", \"value\": \"a\"}]}\n";
        Path file = write("c.jsonl", good
                + "{\"id\": \"r\", \"conversations\": [{\"from\": \"system\", \"value\": \"s\"},"
                + " {\"from\": \"human\", \"value\": \"q\"}, {\"from\": \"bot\", \"value\": \"a\"}]}\n"
                + good
                + "{\"id\": \"n\", \"conversations\": [{\"from\": \"gpt\", \"value\": \"hi\"},"
                + " {\"from\": \"human\", \"value\": \"q\"}]}\n"
                + "{\"id\": \"e\", \"conversations\": []}\n"
                + good);
        List<Parsed<Conversation>> parsed = Conversation.read(file);
        assertEquals(6, parsed.size());
        assertOk(parsed.get(0), 1);
        assertBad(parsed.get(1), 2, "field 'conversations[2].from': unknown role 'bot'"
                + " (choices: system, human, user, gpt, assistant)");
        assertOk(parsed.get(2), 3);
        assertBad(parsed.get(3), 4, "field 'conversations': no user turn followed by an assistant turn");
        assertBad(parsed.get(4), 5, "field 'conversations': empty");
        assertOk(parsed.get(5), 6);
    }

    @Test
    void conversationArraysAreReadToo() throws Exception {
        Path file = write("c.json", "[{\"id\": \"x\", \"conversations\": [{\"from\": \"user\", \"value\": \"q\"},"
                + " {\"from\": \"assistant\", \"value\": \"a\"}]}]");
        assertEquals(List.of(new Conversation("x", List.of(new Turn(Role.USER, "q"), new Turn(Role.ASSISTANT, "a")))),
                values(Conversation.read(file)));
    }
}
