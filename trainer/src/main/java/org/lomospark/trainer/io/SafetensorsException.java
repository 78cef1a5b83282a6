package org.lomospark.trainer.io;

import java.nio.file.Path;

/**
 * A safetensors file or checkpoint directory that cannot be read or written. Unchecked, like the other
 * failures of tensor code; when an I/O call failed, the {@link java.io.IOException} is the cause. The
 * message always starts with the file (and the tensor, where one is concerned), so a failure in a
 * directory of shards says which shard.
 *
 * <pre>{@code
 * try (SafetensorsFile f = SafetensorsFile.open(path)) { ... }
 * catch (SafetensorsException e) {
 *     // "model.safetensors: tensor 'lm_head.weight': data_offsets [0, 100) hold 100 bytes but ..."
 * }
 * }</pre>
 */
public class SafetensorsException extends RuntimeException {

    SafetensorsException(Path file, String message) {
        this(file, null, message, null);
    }

    SafetensorsException(Path file, String message, Throwable cause) {
        this(file, null, message, cause);
    }

    SafetensorsException(Path file, String tensor, String message) {
        this(file, tensor, message, null);
    }

    /** {@code tensor} may be null when the failure concerns the whole file. */
    SafetensorsException(Path file, String tensor, String message, Throwable cause) {
        super(file + ": " + (tensor == null ? "" : "tensor '" + tensor + "': ") + message, cause);
    }
}
