package org.lomospark.trainer.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Writes a file under a temporary name in the same directory, then renames it into place: a crash
 * leaves the old file or the new one under the final name, never a half-written one.
 */
final class AtomicFile {
    private AtomicFile() {}

    /** Writes the file's content to the channel. */
    interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    static void write(Path file, Content content) {
        // Same directory, so the rename never crosses file systems; a dot name keeps it out of listings.
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.writeTo(channel);
                // The bytes reach the disk before the name points at them.
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e instanceof SafetensorsException s ? s : new SafetensorsException(file, "cannot write: " + e, e);
        }
    }

    static void writeFully(FileChannel channel, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            channel.write(src);
        }
    }
}
