package org.lomospark.bench.prepare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's peak resident set, the kernel's {@code VmHWM} line of {@code /proc/PID/status}: the most physical
 * memory it ever held (heap, metaspace, thread stacks, direct buffers and native libraries such as the Rust
 * tokenizer, all of which the heap size leaves out). Monotonic over the process's life, so a reading taken shortly
 * before it exits is its peak up to those last moments.
 *
 * <pre>
 * long peak = PeakRss.of(ProcessHandle.current().pid());   // bytes, -1 where unknown
 * </pre>
 */
final class PeakRss {
    private PeakRss() {}

    /** Bytes, or -1 when the process is gone or this is no Linux. */
    static long of(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"),
                    StandardCharsets.UTF_8)) {
                if (line.startsWith("VmHWM:")) {
                    // "VmHWM:   123456 kB"
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
            return -1;
        } catch (IOException gone) {
            return -1;
        }
    }

    static long self() {
        return of(ProcessHandle.current().pid());
    }

    /** GiB to three decimals, or null for an unknown -1. */
    static Double gib(long bytes) {
        return bytes < 0 ? null : Math.round(bytes / (double) (1L << 30) * 1e3) / 1e3;
    }
}
