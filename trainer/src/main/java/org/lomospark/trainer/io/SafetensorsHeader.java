package org.lomospark.trainer.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON header of a safetensors file: tensor entries in header order and the optional string
 * metadata. {@link #parse} checks every entry against the data section, so readers can trust the offsets.
 */
final class SafetensorsHeader {
    /** The reference implementation's limit: a larger header is corrupt or hostile, not a model. */
    static final long MAX_BYTES = 100L << 20;

    private static final String METADATA = "__metadata__";
    private static final Set<String> ENTRY_FIELDS = Set.of("dtype", "shape", "data_offsets");

    final Map<String, TensorInfo> tensors;
    final Map<String, String> metadata;

    private SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Parses and validates header bytes; {@code dataSize} is the length of the data section after it. */
    static SafetensorsHeader parse(Path file, byte[] json, long dataSize) {
        JsonNode root;
        try {
            root = Json.STRICT.readTree(utf8(file, json));
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(file, "header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (e.getKey().equals(METADATA)) {
                metadata = metadata(file, e.getValue());
            } else {
                tensors.put(e.getKey(), entry(file, e.getKey(), e.getValue(), dataSize));
            }
        }
        checkNoOverlap(file, tensors.values().stream().toList());
        return new SafetensorsHeader(tensors, metadata);
    }

    /** The header JSON padded with spaces to a multiple of 8 bytes, as the reference writer does. */
    static byte[] encode(Iterable<TensorInfo> tensors, Map<String, String> metadata) {
        ObjectNode root = Json.STRICT.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject(METADATA);
            metadata.forEach(m::put);
        }
        for (TensorInfo t : tensors) {
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", t.dtype().name());
            ArrayNode shape = e.putArray("shape");
            Arrays.stream(t.shape()).forEach(shape::add);
            e.putArray("data_offsets").add(t.begin()).add(t.end());
        }
        byte[] json;
        try {
            json = Json.STRICT.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serializes", e);
        }
        // The data section then starts 8-byte aligned, which readers that map the file rely on.
        byte[] padded = Arrays.copyOf(json, (json.length + 7) / 8 * 8);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    private static String utf8(Path file, byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file, "header is not valid UTF-8", e);
        }
    }

    private static Map<String, String> metadata(Path file, JsonNode node) {
        if (!node.isObject()) {
            throw new SafetensorsException(file, METADATA + " is not a JSON object");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(file, METADATA + " value of '" + e.getKey()
                        + "' is " + e.getValue() + ", not a string");
            }
            m.put(e.getKey(), e.getValue().textValue());
        }
        return m;
    }

    private static TensorInfo entry(Path file, String name, JsonNode node, long dataSize) {
        if (!node.isObject()) {
            throw new SafetensorsException(file, name, "entry is not a JSON object");
        }
        for (String field : (Iterable<String>) node::fieldNames) {
            if (!ENTRY_FIELDS.contains(field)) {
                throw new SafetensorsException(file, name,
                        "unknown field '" + field + "' (expected dtype, shape, data_offsets)");
            }
        }
        DType dtype = dtype(file, name, required(file, name, node, "dtype"));
        long[] shape = naturals(file, name, "shape", required(file, name, node, "shape"));
        long[] offsets = naturals(file, name, "data_offsets", required(file, name, node, "data_offsets"));
        if (offsets.length != 2) {
            throw new SafetensorsException(file, name,
                    "data_offsets " + Arrays.toString(offsets) + " is not [begin, end]");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataSize) {
            throw new SafetensorsException(file, name, "data_offsets [" + begin + ", " + end
                    + ") is not a range within the data section of " + dataSize + " bytes");
        }
        long needed;
        try {
            needed = Math.multiplyExact(TensorInfo.numel(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new SafetensorsException(file, name,
                    "shape " + Arrays.toString(shape) + " of " + dtype + " has more than 2^63 bytes", e);
        }
        if (end - begin != needed) {
            throw new SafetensorsException(file, name, "data_offsets [" + begin + ", " + end + ") hold "
                    + (end - begin) + " bytes but shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + needed);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static JsonNode required(Path file, String name, JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        if (value == null) {
            throw new SafetensorsException(file, name, "entry has no '" + field + "'");
        }
        return value;
    }

    private static DType dtype(Path file, String name, JsonNode node) {
        String text = node.isTextual() ? node.textValue() : null;
        for (DType d : DType.values()) {
            if (d.name().equals(text)) {
                return d;
            }
        }
        throw new SafetensorsException(file, name, "unsupported dtype " + node
                + " (supported: " + Arrays.toString(DType.values()) + ")");
    }

    /** A JSON array of integers in [0, Long.MAX_VALUE]. */
    private static long[] naturals(Path file, String name, String field, JsonNode node) {
        if (!node.isArray()) {
            throw new SafetensorsException(file, name, field + " " + node + " is not an array");
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new SafetensorsException(file, name, field + " " + node + ": element " + v
                        + " is not an integer in [0, 2^63)");
            }
            values[i] = v.longValue();
        }
        return values;
    }

    /** Distinct tensors must not share bytes: a write through one would change the other. */
    private static void checkNoOverlap(Path file, List<TensorInfo> tensors) {
        List<TensorInfo> byBegin = tensors.stream()
                .filter(t -> t.begin() < t.end())
                .sorted(Comparator.comparingLong(TensorInfo::begin))
                .toList();
        // Sorted by begin, any overlap shows up between neighbours.
        for (int i = 1; i < byBegin.size(); i++) {
            TensorInfo a = byBegin.get(i - 1);
            TensorInfo b = byBegin.get(i);
            if (b.begin() < a.end()) {
                throw new SafetensorsException(file, b.name(), "data_offsets [" + b.begin() + ", " + b.end()
                        + ") overlap those of tensor '" + a.name() + "' [" + a.begin() + ", " + a.end() + ")");
            }
        }
    }
}
