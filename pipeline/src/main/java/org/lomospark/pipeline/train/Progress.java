package org.lomospark.pipeline.train;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lomospark.trainer.engine.MetricsFile;
import org.lomospark.trainer.engine.TensorBoardLog;

/**
 * Live progress from the training tasks to the driver: rank 0 sends one JSON line per step over a socket to a
 * small server the driver runs for the length of the stage; the driver prints a progress line (step, loss,
 * tokens per second, ETA) and appends the line to {@code metrics.jsonl}. A retry that resumes from an earlier
 * commit rewinds the file to it, so {@code metrics.jsonl} holds each step of the trained model once.
 *
 * <pre>
 * try (Progress p = Progress.start(driverHost, totalSteps, System.out, runDir.resolve("metrics.jsonl"))) {
 *     ... tasks call Progress.Reporter.connect(p.address()) ...
 * }
 * </pre>
 */
public final class Progress implements AutoCloseable {
    private static final String FATAL_PREFIX = "{\"fatal\":";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private final java.util.concurrent.atomic.AtomicReference<String> fatal =
            new java.util.concurrent.atomic.AtomicReference<>();
    private volatile java.util.function.Consumer<String> onFatal = message -> {};
    private volatile TensorBoardLog tensorBoard;
    private final ServerSocket server;
    private final Thread thread;
    private final long totalSteps;
    private final PrintStream out;
    private final Path metrics;
    private final long printEveryNanos;
    private long lastPrint;
    /** The steps in {@code metrics.jsonl}: those already there (an earlier attempt of the run), then the new. */
    private final List<StepLine> steps = new ArrayList<>();
    private volatile long lastStep;
    private volatile double lastLoss = Double.NaN;

    private Progress(ServerSocket server, long totalSteps, PrintStream out, Path metrics, Duration printEvery)
            throws IOException {
        this.server = server;
        this.totalSteps = totalSteps;
        this.out = out;
        this.metrics = metrics;
        this.printEveryNanos = printEvery.toNanos();
        if (metrics != null && Files.exists(metrics)) {
            for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
                try {
                    steps.add(StepLine.parse(line));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(metrics + " line " + (steps.size() + 1) + ": " + e.getMessage(),
                            e);
                }
            }
            if (!steps.isEmpty()) {
                lastStep = steps.get(steps.size() - 1).step();
            }
        }
        this.thread = new Thread(this::serve, "lomo-progress");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Listens on a free port of {@code host} (the driver's address the executors can reach). */
    public static Progress start(String host, long totalSteps, PrintStream out, Path metrics, Duration printEvery)
            throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
        try {
            return new Progress(s, totalSteps, out, metrics, printEvery);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Called once, from a reader thread, with the first error a rank reported as one a retry cannot fix
     * ({@link Reporter#fatal}): the training stage cancels itself rather than let Spark retry it.
     */
    public void onFatal(java.util.function.Consumer<String> handler) {
        this.onFatal = handler;
    }

    /** Each step also goes to {@code log} as it arrives (TensorBoard follows the run live). */
    public void tensorBoard(TensorBoardLog log) {
        this.tensorBoard = log;
    }

    /** The first error a rank reported as one a retry cannot fix, or null. */
    public String fatal() {
        return fatal.get();
    }

    public String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    public long lastStep() {
        return lastStep;
    }

    public double lastLoss() {
        return lastLoss;
    }

    private void serve() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                // one reader per connection: a failed attempt's rank 0 may still hold its socket while the retry's
                // rank 0 already sends
                Thread reader = new Thread(() -> read(s), "lomo-progress-reader");
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    out.println("progress: " + e.getMessage());
                }
            }
        }
    }

    private void read(Socket socket) {
        try (socket;
             BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                     StandardCharsets.UTF_8))) {
            long start = System.nanoTime();
            long firstStep = -1;
            long tokens = 0;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith(FATAL_PREFIX)) {
                    String message = JSON.readTree(line).path("fatal").asText();
                    if (fatal.compareAndSet(null, message)) {
                        onFatal.accept(message);
                    }
                    continue;
                }
                StepLine l = StepLine.parse(line);
                if (firstStep < 0) {
                    firstStep = l.step() - 1;
                }
                tokens += l.tokens();
                record(l, line);
                if (due(l.step())) {
                    double seconds = (System.nanoTime() - start) / 1e9;
                    long done = l.step() - firstStep;
                    double eta = done == 0 ? 0 : seconds / done * (totalSteps - l.step());
                    out.printf(Locale.ROOT, "step %d/%d  loss %.4f%s  %.0f tok/s  ETA %s%n", l.step(), totalSteps,
                            l.loss(), Double.isNaN(l.valLoss()) ? ""
                                    : String.format(Locale.ROOT, "  val-loss %.4f", l.valLoss()),
                            tokens / Math.max(seconds, 1e-9), duration(eta));
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!server.isClosed()) {
                out.println("progress: " + e.getMessage());
            }
        }
    }

    /** A line for the first step a reader sees, then at most one per interval, and always for the last step. */
    private synchronized boolean due(long step) {
        long now = System.nanoTime();
        if (lastPrint == 0 || now - lastPrint >= printEveryNanos || step == totalSteps) {
            lastPrint = now;
            return true;
        }
        return false;
    }

    /**
     * Appends a step to {@code metrics.jsonl}. A step at or before the last one means a retry resumed from an
     * earlier commit: the lines of the steps it will train again are dropped, so the file holds each step of the
     * trained model once.
     */
    private synchronized void record(StepLine l, String line) throws IOException {
        if (l.step() <= lastStep && !steps.isEmpty()) {
            out.printf(Locale.ROOT, "resumed at step %d: the failed attempt's steps %d-%d are trained again%n",
                    l.step(), l.step(), lastStep);
            while (!steps.isEmpty() && steps.get(steps.size() - 1).step() >= l.step()) {
                steps.remove(steps.size() - 1);
            }
            if (metrics != null) {
                MetricsFile.keepThrough(metrics, l.step() - 1); // the file holds what steps holds
            }
        }
        steps.add(l);
        lastStep = l.step();
        lastLoss = l.loss();
        if (metrics != null) {
            Files.writeString(metrics, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
        TensorBoardLog tb = tensorBoard;
        if (tb != null) {
            tb.step(line);
        }
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s" : s + "s";
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One step as sent: {@code {"step":3,"loss":2.5,"tokens":512,...}} (the trainer's metrics line); {@code valLoss}
     * is the validation loss when the step measured one, NaN otherwise.
     */
    record StepLine(long step, double loss, long tokens, double valLoss, String json) {

        static StepLine parse(String json) {
            try {
                com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(json);
                if (!n.path("step").isNumber() || !n.path("loss").isNumber() || !n.path("tokens").isNumber()) {
                    throw new IllegalArgumentException("progress line without step, loss and tokens: " + json);
                }
                return new StepLine(n.get("step").asLong(), n.get("loss").asDouble(), n.get("tokens").asLong(),
                        n.path("val_loss").isNumber() ? n.get("val_loss").asDouble() : Double.NaN, json);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("progress line is not JSON: " + json, e);
            }
        }
    }

    /** The task side: a line-per-step stream to the driver. A lost connection never stops training. */
    static final class Reporter implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;

        private Reporter(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
        }

        static Reporter connect(String address) throws IOException {
            int colon = address.lastIndexOf(':');
            Socket s = new Socket();
            s.connect(new InetSocketAddress(address.substring(0, colon),
                    Integer.parseInt(address.substring(colon + 1))), 10_000);
            return new Reporter(s);
        }

        void send(String line) {
            try {
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                // the driver stopped listening (or went away): the run goes on, its checkpoints are its record
            }
        }

        /** Tells the driver, on a connection of its own, of an error that no retry of the stage can fix. */
        static void fatal(String address, String message) {
            try (Reporter r = connect(address)) {
                r.send(JSON.createObjectNode().put("fatal", message).toString());
            } catch (IOException e) {
                // the driver is gone: Spark's own failure handling is all that is left
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
