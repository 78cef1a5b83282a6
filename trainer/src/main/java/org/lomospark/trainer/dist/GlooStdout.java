package org.lomospark.trainer.dist;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Keeps Gloo's connect report off standard output. The Gloo inside libtorch 2.10 writes {@code [Gloo] Rank r is
 * connected to n peer ranks. Expected number of connected peer ranks is : n} to {@code std::cout} every time a
 * group connects, and no setting turns it off (Gloo's {@code GLOO_LOG_LEVEL} came later).
 *
 * <p>While any Gloo group of this process connects ({@link #connecting}), the process's file descriptor 1 goes to
 * a temporary file; when the last connect returns, everything written there meanwhile, by native code or by
 * {@code System.out}, goes back to descriptor 1 in its order, less the report ({@link #keeps}). A report that a
 * rank is not connected is kept. The redirection is counted, not locked: the ranks of one JVM (Spark
 * local mode, tests) connect at the same time and wait for each other.
 *
 * <p>Where the C library cannot be reached (not Linux or macOS), connects run as they are and the report prints.
 */
final class GlooStdout {
    /**
     * The report's words. Ranks of one JVM report at the same moment, and std::cout interleaves their pieces within
     * a line ({@code [Gloo] Rank [Gloo] Rank 0 is connected to ...: 11}), so a line is the report's when it is
     * these words and numbers only.
     */
    private static final Pattern REPORT_WORDS = Pattern.compile(
            "\\[Gloo] Rank | is connected to | peer ranks\\. |Expected number of connected peer ranks is : ");
    private static final int STDOUT = 1;
    private static final int O_WRONLY = 1;
    private static final int O_APPEND = com.sun.jna.Platform.isLinux() ? 0x400 : 0x8; // <fcntl.h>: Linux, else BSD/macOS

    private static final LibC LIBC = load();
    /** Descriptor 1 itself, unbuffered: where the captured output goes back, whatever System.out now is. */
    private static final FileOutputStream STDOUT_STREAM = new FileOutputStream(FileDescriptor.out);
    private static int connecting;
    private static int savedStdout = -1;
    private static Path capture;

    private GlooStdout() {}

    private interface LibC extends Library {
        int open(String path, int flags, int mode);

        int dup(int fd);

        int dup2(int from, int to);

        int close(int fd);

        int fflush(Pointer stream);
    }

    private static LibC load() {
        try {
            return Native.load("c", LibC.class);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null;
        }
    }

    /** Runs {@code connect} (a Gloo group's constructor) with standard output captured, as the class says. */
    static <T> T connecting(Supplier<T> connect) {
        if (LIBC == null) {
            return connect.get();
        }
        enter();
        try {
            return connect.get();
        } finally {
            leave();
        }
    }

    /**
     * Whether a captured line goes back to standard output: all but the report's lines, of its words, numbers and
     * spaces only. When the capture holds a report ({@code reported}), lines of numbers alone and empty lines are
     * the report's too: the ranks' pieces interleave, so a rank's last number or line end can follow the other
     * rank's line end. A rank's {@code is NOT connected to: [...]} line is kept.
     */
    static boolean keeps(String line, boolean reported) {
        String rest = REPORT_WORDS.matcher(line).replaceAll("");
        boolean numbers = rest.chars().allMatch(c -> Character.isDigit(c) || c == ' ');
        return !numbers || rest.length() == line.length() && !reported;
    }

    private static synchronized void enter() {
        if (connecting++ > 0) {
            return;
        }
        flushAll();
        try {
            capture = Files.createTempFile("lomo-gloo-stdout-", ".txt");
        } catch (IOException e) {
            connecting--;
            throw new UncheckedIOException("cannot create a file for the output of Gloo's connect", e);
        }
        int fd = LIBC.open(capture.toString(), O_WRONLY | O_APPEND, 0);
        savedStdout = fd < 0 ? -1 : LIBC.dup(STDOUT);
        if (fd < 0 || savedStdout < 0 || LIBC.dup2(fd, STDOUT) < 0) {
            // the output stays where it was: only the report is not hidden
            if (savedStdout >= 0) {
                LIBC.close(savedStdout);
            }
            savedStdout = -1;
        }
        if (fd >= 0) {
            LIBC.close(fd);
        }
    }

    private static synchronized void leave() {
        if (--connecting > 0) {
            return;
        }
        Path captured = capture;
        capture = null;
        if (savedStdout >= 0) {
            flushAll();
            LIBC.dup2(savedStdout, STDOUT);
            LIBC.close(savedStdout);
            savedStdout = -1;
            replay(captured);
        }
        try {
            Files.deleteIfExists(captured);
        } catch (IOException e) {
            // a temporary file left behind; the output itself is back
        }
    }

    /** Writes the captured lines that {@link #keeps} to descriptor 1 as they were, bytes and line ends. */
    private static void replay(Path captured) {
        try {
            byte[] text = Files.readAllBytes(captured);
            boolean reported = REPORT_WORDS.matcher(new String(text, StandardCharsets.UTF_8)).find();
            ByteArrayOutputStream kept = new ByteArrayOutputStream(text.length);
            int start = 0;
            while (start < text.length) {
                int end = start;
                while (end < text.length && text[end] != '\n') {
                    end++;
                }
                if (keeps(new String(text, start, end - start, StandardCharsets.UTF_8), reported)) {
                    kept.write(text, start, Math.min(end + 1, text.length) - start);
                }
                start = end + 1;
            }
            STDOUT_STREAM.write(kept.toByteArray());
            STDOUT_STREAM.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the output written during Gloo's connect back from "
                    + captured, e);
        }
    }

    private static void flushAll() {
        System.out.flush();
        LIBC.fflush(null); // every C stdio stream; std::cout writes through C's stdout
    }
}
