package org.lomospark.trainer.tensor;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.StandardOpenOption;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch_cuda;

/**
 * Loads libtorch's natives into this JVM, one JVM at a time per JavaCPP cache directory. JavaCPP unpacks the natives
 * into that cache on first use, and JVMs of one host starting together (a host's Spark executors, a local
 * cluster's driver and executors) race on the same files: one maps a library another is still writing and dies of
 * SIGBUS (bytedeco/javacpp#608). Under a lock file in the cache, the first JVM unpacks everything while the others
 * wait, and they then find it complete. Call it before anything touches a torch class.
 *
 * <pre>
 * TorchLoader.load(false); // or true on a GPU: the CUDA half too
 * </pre>
 */
public final class TorchLoader {
    private static boolean cpu;
    private static boolean cuda;

    private TorchLoader() {}

    /** @param withCuda also the CUDA natives (only with the GPU natives on the classpath) */
    public static synchronized void load(boolean withCuda) {
        if (cpu && (cuda || !withCuda)) {
            return;
        }
        File cache;
        try {
            cache = Loader.getCacheDir();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create JavaCPP's cache directory for the libtorch natives", e);
        }
        try (FileChannel channel = FileChannel.open(cache.toPath().resolve(".lomo-spark-load.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = channel.lock()) {
            Loader.load(torch.class);
            cpu = true;
            if (withCuda) {
                Loader.load(torch_cuda.class);
                cuda = true;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + cache + " to load the libtorch natives", e);
        }
    }
}
