package org.lomospark.trainer.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code model.safetensors.index.json} of a sharded Hugging Face checkpoint:
 * {@code {"metadata": {"total_size": bytes}, "weight_map": {tensor: shard file}}}.
 */
final class HfIndex {
    static final String FILE = "model.safetensors.index.json";

    private HfIndex() {}

    /**
     * The weight map in file order. Shard names are checked to be plain file names: an index must not
     * send a reader outside its directory ({@code ../x}, {@code /etc/x}).
     */
    static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = Json.STRICT.readTree(Files.readString(index));
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(index, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SafetensorsException(index, "cannot read: " + e, e);
        }
        JsonNode weights = root == null ? null : root.get("weight_map");
        if (weights == null || !weights.isObject()) {
            throw new SafetensorsException(index, "no \"weight_map\" object");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : weights.properties()) {
            String shard = e.getValue().textValue();
            if (shard == null || shard.isEmpty() || shard.equals(".") || shard.equals("..")
                    || shard.contains("/") || shard.contains("\\")) {
                throw new SafetensorsException(index, e.getKey(),
                        "shard " + e.getValue() + " is not a plain file name in the checkpoint directory");
            }
            map.put(e.getKey(), shard);
        }
        return map;
    }

    static void write(Path index, long totalSize, Map<String, String> weightMap) {
        ObjectNode root = Json.STRICT.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode weights = root.putObject("weight_map");
        weightMap.forEach(weights::put);
        byte[] json;
        try {
            json = Json.STRICT.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serializes", e);
        }
        AtomicFile.write(index, channel -> AtomicFile.writeFully(channel, ByteBuffer.wrap(json)));
    }
}
