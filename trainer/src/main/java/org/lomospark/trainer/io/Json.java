package org.lomospark.trainer.io;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The JSON mapper for safetensors headers and checkpoint indexes. */
final class Json {
    private Json() {}

    /**
     * Rejects duplicate keys, so a second entry for a tensor cannot silently win over the first, and
     * anything but whitespace after the top-level value. Configured once, then only read: thread-safe.
     */
    static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
}
