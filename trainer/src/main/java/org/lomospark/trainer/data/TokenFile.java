package org.lomospark.trainer.data;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.lomospark.trainer.tensor.Tensors;

/**
 * Training windows from a flat file of little-endian int32 token ids (a pre-tokenized corpus). Row {@code r} of
 * the whole run is the window starting at token {@code (r mod windows) * seqLen} and its next-token targets, so
 * the file is read in order and wraps around at the end (a new epoch).
 */
public final class TokenFile implements TokenSource {
    private final Path path;
    private final IntBuffer tokens;
    private final int batchSize;
    private final int seqLen;
    private final int vocabSize;
    private final long windows;

    public TokenFile(Path path, int batchSize, int seqLen, int vocabSize) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size % 4 != 0) {
                throw new IOException(path + ": size " + size + " is not a multiple of 4 (int32 tokens)");
            }
            if (size > Integer.MAX_VALUE) {
                throw new IOException(path + ": token files over 2 GiB must be split into shards");
            }
            this.tokens = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
        }
        this.path = path;
        this.batchSize = batchSize;
        this.seqLen = seqLen;
        this.vocabSize = vocabSize;
        this.windows = (tokens.limit() - 1) / seqLen;
        if (windows < 1) {
            throw new IOException(path + ": " + tokens.limit() + " tokens is fewer than one window of seq " + seqLen + " + 1");
        }
    }

    @Override
    public Batch batch(long index) {
        long[] ids = new long[batchSize * seqLen];
        long[] targets = new long[ids.length];
        for (int b = 0; b < batchSize; b++) {
            int offset = (int) (Math.floorMod(index * batchSize + b, windows) * seqLen);
            for (int t = 0; t <= seqLen; t++) {
                int token = tokens.get(offset + t);
                if (token < 0 || token >= vocabSize) {
                    throw new IllegalArgumentException(path + ": token at position " + (offset + t) + " is " + token
                            + ", outside the vocabulary [0, " + vocabSize + ")");
                }
                if (t < seqLen) {
                    ids[b * seqLen + t] = token;
                }
                if (t > 0) {
                    targets[b * seqLen + t - 1] = token;
                }
            }
        }
        return new Batch(Tensors.fromLongs(ids, batchSize, seqLen), Tensors.fromLongs(targets, batchSize, seqLen),
                null, ids.length);
    }

    @Override
    public String describe() {
        return path + " (" + tokens.limit() + " tokens, " + windows + " windows of " + seqLen + ")";
    }
}
