package org.lomospark.datasets.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.lomospark.datasets.prepare.InstructInput;
import org.lomospark.datasets.prepare.PrepareSpec;
import org.lomospark.datasets.prepare.Sampling;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;

/**
 * A small Alpaca JSONL corpus for the prepare tests, about ten {@link #SPLIT}s long, with bad lines at known line
 * numbers, a blank line, non-ASCII text, and a line padded so that the next one starts exactly at a split boundary.
 */
public final class AlpacaLines {
    /** The smallest split the prepare spec allows. */
    public static final long SPLIT = 1 << 16;
    public static final int RECORDS = 2400;
    /** Lines that are bad on purpose, by 1-based line number; a blank line at BLANK. */
    public static final int NOT_JSON = 700;
    public static final int NOT_UTF8 = 1501;
    public static final int NO_OUTPUT = 2222;
    public static final int BLANK = 1000;

    private AlpacaLines() {}

    /**
     * A job over everything whose order could leak into the output: this corpus cut into many splits (packed, and
     * sampled to 1500 records), and the bundled BoolQ and RTE samples, train and val (sampled, eval buckets).
     */
    public static PrepareSpec.Builder mixed(Path work, String out) throws IOException {
        Path file = work.resolve("alpaca.jsonl");
        Files.write(file, corpus());
        // copied out of the classpath: in another module's tests the samples are inside the datasets jar
        Path superglue = work.resolve("superglue");
        for (SuperGlueTask task : List.of(SuperGlueTask.BOOLQ, SuperGlueTask.RTE)) {
            Files.createDirectories(superglue.resolve(task.dirName()));
            for (Split split : List.of(Split.TRAIN, Split.VAL)) {
                try (InputStream in = AlpacaLines.class.getResourceAsStream("/samples/superglue/" + task.dirName()
                        + "/" + split.fileName())) {
                    Files.copy(in, task.file(superglue, split), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return PrepareSpec.builder(out)
                .superGlue(superglue.toString(), List.of(SuperGlueTask.BOOLQ, SuperGlueTask.RTE),
                        List.of(Split.TRAIN, Split.VAL))
                .instruct(new InstructInput("alpaca", file.toString(), InstructInput.Format.ALPACA))
                .sample(new Sampling(3, 1500, 5)).maxLength(1 << 17).pack(1 << 17).splitBytes(SPLIT)
                .maxBadFraction(0.05).shards(3);
    }

    /** Alpaca lines of 100-400 bytes; line 2 is padded so that line 3 starts exactly at the first split boundary. */
    public static byte[] corpus() {
        SplittableRandom r = new SplittableRandom(11);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int line = 1; line <= RECORDS; line++) {
            String text;
            if (line == NOT_JSON) {
                text = "{\"instruction\": \"broken";
            } else if (line == NO_OUTPUT) {
                text = "{\"instruction\": \"say nothing\", \"input\": \"\"}";
            } else if (line == BLANK) {
                text = "   ";
            } else {
                text = "{\"instruction\": \"" + words(r, 3 + r.nextInt(12)) + "\", \"input\": \""
                        + (r.nextInt(3) == 0 ? words(r, r.nextInt(20)) : "") + "\", \"output\": \""
                        + words(r, 5 + r.nextInt(40)) + " é ü —\"}";
            }
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            if (line == NOT_UTF8) {
                bytes = new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
            }
            if (line == 2) {
                // pad so that this line's newline is the last byte before the first split boundary
                int room = (int) (SPLIT - out.size() - 1 - bytes.length);
                text = text.replace("\"instruction\": \"", "\"instruction\": \"" + "x".repeat(room));
                bytes = text.getBytes(StandardCharsets.UTF_8);
            }
            out.writeBytes(bytes);
            out.write('\n');
            if (line == 2) {
                assertEquals(SPLIT, out.size(), "line 3 starts at the split boundary");
            }
        }
        return out.toByteArray();
    }

    private static String words(SplittableRandom r, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : " ").append("w").append(Integer.toString(r.nextInt(5000), 36));
        }
        return b.toString();
    }
}
