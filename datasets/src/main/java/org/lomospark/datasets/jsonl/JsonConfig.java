package org.lomospark.datasets.jsonl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a JSON settings file (prompt or chat templates) strictly, from the classpath or from a user's path,
 * with errors that name the file.
 *
 * <pre>
 * JsonNode root = JsonConfig.file(Path.of("my-prompts.json"));
 * </pre>
 */
public final class JsonConfig {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private JsonConfig() {}

    /** A resource shipped in the jar next to {@code anchor}; its absence is a packaging bug. */
    public static JsonNode resource(Class<?> anchor, String name) {
        try (InputStream in = anchor.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " missing from the classpath");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("reading resource " + name, e);
        }
    }

    /** A user's file; invalid JSON is an {@link IllegalArgumentException} naming the file. */
    public static JsonNode file(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return JSON.readTree(in);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
