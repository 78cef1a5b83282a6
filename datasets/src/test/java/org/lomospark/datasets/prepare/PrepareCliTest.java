package org.lomospark.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code lomo-prepare}'s command line, up to where Spark would start. */
class PrepareCliTest {
    @Test
    void helpPrintsTheUsageAndExitsZero() throws Exception {
        for (String[] argv : List.of(new String[] {"--help"}, new String[] {"-h"},
                new String[] {"--output", "out/x", "--help"})) {
            Exit e = run(argv);
            assertEquals(0, e.code(), String.join(" ", argv));
            assertTrue(e.out().startsWith("usage: lomo-prepare"), e.out());
            assertTrue(e.out().contains("--max-length"), e.out());
            assertEquals("", e.err());
        }
    }

    @Test
    void anUnknownOptionExitsTwoWithAMessage() throws Exception {
        Exit e = run("--output", "out/x", "--outptu", "y");
        assertEquals(2, e.code());
        assertTrue(e.err().startsWith("lomo-prepare: unknown option '--outptu'"), e.err());
        Exit none = run();
        assertEquals(2, none.code());
        assertTrue(none.err().startsWith("lomo-prepare: --output is required"), none.err());
    }

    private record Exit(int code, String out, String err) {}

    private static Exit run(String... argv) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PrepareCli.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Exit(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
