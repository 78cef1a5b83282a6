package org.lomospark.bench.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A synthetic Alpaca-style JSONL file for corpus-scale prepare benchmarks: {@code examples} lines of
 * {@code {"instruction": ..., "input": ..., "output": ...}}, about 1.1 KB each (2 million make 2.2 GB).
 * Instructions have 12 to 28 words, inputs 1 to 60 words or (a third of them) none, outputs 80 to 200 words,
 * a fifth of them numbered lists; see {@link SyntheticText} for the prose and {@link Vocabulary} for the words.
 * One seed, one file: the same arguments write the same bytes.
 *
 * <pre>
 * java -cp ... org.lomospark.bench.prepare.AlpacaCorpus --examples 2000000 --out /tmp/alpaca-2000000.jsonl
 * </pre>
 *
 * <p>Idempotent: next to the file goes {@code FILE.marker} (generator version, examples, seed, bytes), written
 * after the file is complete and renamed into place; a run that finds a marker that matches its arguments and the
 * file's size does nothing, so an interrupted run never passes for a finished one.
 */
public final class AlpacaCorpus {
    /** Bump when the text changes, so files written by an older generator are written again. */
    private static final String GENERATOR = "alpaca-corpus-v1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AlpacaCorpus() {}

    public static void main(String[] args) throws IOException {
        Flags f = Flags.parse(args, Map.of("--examples", Flags.REQUIRED, "--out", Flags.REQUIRED, "--seed", "12"));
        long examples = f.longValue("--examples");
        long seed = f.longValue("--seed");
        Path file = f.path("--out");
        if (examples < 1) {
            throw new IllegalArgumentException("--examples " + examples + " must be at least 1");
        }
        if (isWritten(file, examples, seed)) {
            System.err.println("reusing " + file + " (" + Files.size(file) + " bytes, marker matches)");
            return;
        }
        long started = System.nanoTime();
        long bytes = write(file, examples, seed);
        double s = (System.nanoTime() - started) / 1e9;
        ObjectNode marker = JSON.createObjectNode().put("generator", GENERATOR).put("examples", examples)
                .put("seed", seed).put("bytes", bytes);
        Path tmp = marker(file).resolveSibling(marker(file).getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), marker);
        Files.move(tmp, marker(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.err.printf(Locale.ROOT, "wrote %s: %d examples, %d bytes in %.1f s (%.0f MB/s)%n", file, examples,
                bytes, s, bytes / s / 1e6);
    }

    /** Writes the file through a temporary sibling renamed into place; returns its size. */
    static long write(Path file, long examples, long seed) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Files.deleteIfExists(marker(file)); // the old marker goes first: it no longer describes the file
        Path tmp = parent.resolve(file.getFileName() + ".tmp");
        SyntheticText t = new SyntheticText(Vocabulary.english(), new SplittableRandom(seed));
        SplittableRandom lengths = new SplittableRandom(seed ^ 0x9e3779b97f4a7c15L);
        long bytes = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            for (long i = 0; i < examples; i++) {
                t.clear();
                t.ascii("{\"instruction\": \"");
                t.instruction(12 + lengths.nextInt(17));
                t.ascii("\", \"input\": \"");
                if (lengths.nextInt(3) != 0) {
                    t.prose(1 + lengths.nextInt(60), 0);
                }
                t.ascii("\", \"output\": \"");
                int words = 80 + lengths.nextInt(121);
                if (lengths.nextInt(5) == 0) {
                    t.list(words);
                } else {
                    t.prose(words, 0.15);
                }
                t.ascii("\"}\n");
                out.write(t.buffer(), 0, t.size());
                bytes += t.size();
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return bytes;
    }

    /** Whether {@code file} is complete and was written with these arguments by this generator. */
    static boolean isWritten(Path file, long examples, long seed) throws IOException {
        Path marker = marker(file);
        if (!Files.isRegularFile(file) || !Files.isRegularFile(marker)) {
            return false;
        }
        JsonNode m = JSON.readTree(marker.toFile());
        return GENERATOR.equals(m.path("generator").asText()) && m.path("examples").asLong() == examples
                && m.path("seed").asLong() == seed && m.path("bytes").asLong() == Files.size(file);
    }

    private static Path marker(Path file) {
        return file.resolveSibling(file.getFileName() + ".marker");
    }
}
