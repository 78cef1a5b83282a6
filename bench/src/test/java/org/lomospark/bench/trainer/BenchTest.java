package org.lomospark.bench.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code lomo-trainer bench}'s command line, in this JVM (no case is forked). */
class BenchTest {
    @Test
    void helpPrintsTheUsageAndExitsZero() throws Exception {
        for (String[] argv : List.of(new String[] {"bench", "--help"}, new String[] {"bench", "-h"},
                new String[] {"bench", "--model", "tiny", "--help"}, new String[] {"--help"})) {
            Exit e = run(argv);
            assertEquals(0, e.code(), String.join(" ", argv));
            assertTrue(e.out().startsWith("usage: lomo-trainer bench"), e.out());
            assertTrue(e.out().contains("--cases"), e.out());
            assertEquals("", e.err());
        }
    }

    @Test
    void anUnknownOptionExitsTwoWithAMessage() throws Exception {
        Exit e = run("bench", "--casez", "lomo:block");
        assertEquals(2, e.code());
        assertTrue(e.err().startsWith("error: unknown option --casez"), e.err());
        assertEquals(2, run().code(), "no command");
    }

    private record Exit(int code, String out, String err) {}

    private static Exit run(String... argv) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Bench.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Exit(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
