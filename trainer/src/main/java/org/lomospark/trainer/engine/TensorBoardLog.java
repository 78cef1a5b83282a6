package org.lomospark.trainer.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

/**
 * A run's TensorBoard log: one events file per training stage in a directory ({@code <run-dir>/tensorboard}),
 * written to the format's definition (TFRecord frames with masked CRC-32C around {@code tensorflow.Event}
 * protocol buffers; no TensorFlow or protobuf library). It holds the run's hyper-parameters (the HParams plugin's
 * session start) and, per step of {@code metrics.jsonl}, the scalars {@code train/loss}, {@code train/lr},
 * {@code train/grad_norm}, {@code train/tokens_per_s}, {@code val/loss} (steps that measured one) and
 * {@code gpu/peak_gib} (on a GPU).
 *
 * <p>A step is appended and flushed as its metrics line arrives, so TensorBoard follows a run live. A resumed run
 * trains some steps again: TensorBoard itself drops the events past the step where a run starts over (its
 * purge of orphaned data), and {@link #read} is the project's own reader, which checks every frame.
 *
 * <pre>
 * try (TensorBoardLog tb = TensorBoardLog.open(runDir.resolve("tensorboard"), Settings.values(recipe))) {
 *     tb.step(metricsLine);
 * }
 * </pre>
 */
public final class TensorBoardLog implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Files of one JVM opened in the same second still get names of their own. */
    private static final AtomicInteger OPENED = new AtomicInteger();
    /** The metrics line's fields and the scalar each becomes. */
    private static final Map<String, String> SCALARS = Map.of("loss", "train/loss", "lr", "train/lr",
            "grad_norm", "train/grad_norm", "val_loss", "val/loss", "gpu_peak_gib", "gpu/peak_gib");
    static final String TOKENS_PER_S = "train/tokens_per_s";
    static final String HPARAMS_TAG = "_hparams_/session_start_info";

    private final Path file;
    private final OutputStream out;
    private double lastElapsed;

    private TensorBoardLog(Path file, OutputStream out) {
        this.file = file;
        this.out = out;
    }

    /**
     * Creates {@code dir} if needed and a new events file in it ({@code events.out.tfevents.<seconds>.<host>...}),
     * starting with the file version and {@code hparams} (numbers, booleans and strings by name).
     */
    public static TensorBoardLog open(Path dir, Map<String, ?> hparams) throws IOException {
        Files.createDirectories(dir);
        long now = System.currentTimeMillis();
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        Path file = dir.resolve(String.format("events.out.tfevents.%010d.%s.%d.%d", now / 1000, host,
                ProcessHandle.current().pid(), OPENED.incrementAndGet()));
        TensorBoardLog log = new TensorBoardLog(file, Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE));
        Proto version = new Proto().fixed64(1, now / 1000.0).string(3, "brain.Event:2");
        log.write(version);
        log.write(event(now / 1000.0, 0, new Proto().message(1, new Proto().string(1, HPARAMS_TAG)
                .message(9, new Proto().message(1, new Proto().string(1, "hparams")
                        .bytes(2, sessionStart(hparams, now / 1000.0).toByteArray()))))));
        log.out.flush();
        return log;
    }

    /** The events file this log writes. */
    public Path file() {
        return file;
    }

    /** Appends one step from its {@code metrics.jsonl} line ({@link TrainLoop}'s) and flushes it. */
    public synchronized void step(String metricsLine) throws IOException {
        JsonNode n = JSON.readTree(metricsLine);
        if (n == null || !n.path("step").isIntegralNumber()) {
            throw new IllegalArgumentException("metrics line without a step: " + metricsLine);
        }
        Proto summary = new Proto();
        for (Map.Entry<String, JsonNode> f : n.properties()) {
            String tag = SCALARS.get(f.getKey());
            if (tag != null && f.getValue().isNumber()) {
                summary.message(1, scalar(tag, f.getValue().asDouble()));
            }
        }
        if (n.path("tokens").isNumber() && n.path("elapsed_s").isNumber()) {
            double elapsed = n.get("elapsed_s").asDouble();
            // elapsed_s counts from the start of this attempt's loop: it starts again after a resume
            double seconds = elapsed > lastElapsed ? elapsed - lastElapsed : elapsed;
            lastElapsed = elapsed;
            if (seconds > 0) {
                summary.message(1, scalar(TOKENS_PER_S, n.get("tokens").asDouble() / seconds));
            }
        }
        write(event(System.currentTimeMillis() / 1000.0, n.get("step").asLong(), summary));
        out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }

    private static Proto scalar(String tag, double value) {
        return new Proto().string(1, tag).fixed32(2, (float) value);
    }

    private static Proto event(double wallTime, long step, Proto summary) {
        return new Proto().fixed64(1, wallTime).varint(2, step).message(5, summary);
    }

    /** {@code HParamsPluginData{version 0, session_start_info{hparams, start_time_secs}}}. */
    private static Proto sessionStart(Map<String, ?> hparams, double startSeconds) {
        Proto info = new Proto();
        for (Map.Entry<String, ?> e : hparams.entrySet()) {
            Object v = e.getValue();
            Proto value = new Proto(); // google.protobuf.Value
            if (v instanceof Number num) {
                value.fixed64(2, num.doubleValue());
            } else if (v instanceof Boolean b) {
                value.varint(4, b ? 1 : 0);
            } else if (v != null) {
                value.string(3, v.toString());
            } else {
                continue;
            }
            info.message(1, new Proto().string(1, e.getKey()).message(2, value)); // map entry
        }
        info.fixed64(5, startSeconds);
        return new Proto().varint(1, 0).message(3, info);
    }

    private void write(Proto event) throws IOException {
        byte[] data = event.toByteArray();
        ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(data.length);
        header.putInt(maskedCrc(header.array(), 0, 8));
        out.write(header.array());
        out.write(data);
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(maskedCrc(data, 0, data.length))
                .array());
    }

    /** TFRecord's checksum: CRC-32C, rotated right by 15 bits, plus a constant. */
    static int maskedCrc(byte[] b, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(b, off, len);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + 0xa282ead8;
    }

    /**
     * One event as read back: its step and wall time, its scalars by tag, the plugin each tagged value names, and,
     * for the hyper-parameters' event, the hyper-parameters (numbers as doubles).
     */
    public record Event(double wallTime, long step, String fileVersion, Map<String, Float> scalars,
                        Map<String, String> plugins, Map<String, Object> hparams) {}

    /**
     * Reads an events file, checking each frame's length and data checksums.
     *
     * @throws IOException naming the file and the byte offset of a frame that is cut short or fails its checksum
     */
    public static List<Event> read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        List<Event> events = new ArrayList<>();
        while (b.remaining() > 0) {
            int at = b.position();
            if (b.remaining() < 12) {
                throw new IOException(file + " at byte " + at + ": a frame header cut short");
            }
            long length = b.getLong();
            if (b.getInt() != maskedCrc(all, at, 8) || length < 0) {
                throw new IOException(file + " at byte " + at + ": a frame header that fails its checksum");
            }
            if (length > b.remaining() - 4) {
                throw new IOException(file + " at byte " + at + ": an event of " + length + " bytes cut short");
            }
            int start = b.position();
            b.position(start + (int) length);
            if (b.getInt() != maskedCrc(all, start, (int) length)) {
                throw new IOException(file + " at byte " + at + ": the event fails its checksum");
            }
            events.add(decodeEvent(ByteBuffer.wrap(all, start, (int) length).slice()));
        }
        return events;
    }

    private static Event decodeEvent(ByteBuffer e) {
        double wall = 0;
        long step = 0;
        String version = null;
        Map<String, Float> scalars = new LinkedHashMap<>();
        Map<String, String> plugins = new LinkedHashMap<>();
        Map<String, Object> hparams = new LinkedHashMap<>();
        for (Field f : Proto.fields(e)) {
            switch (f.number) {
                case 1 -> wall = Double.longBitsToDouble(f.bits);
                case 2 -> step = f.bits;
                case 3 -> version = f.string();
                case 5 -> {
                    for (Field value : Proto.fields(f.bytes)) {
                        if (value.number == 1) {
                            decodeValue(value.bytes, scalars, plugins, hparams);
                        }
                    }
                }
                default -> { }
            }
        }
        return new Event(wall, step, version, scalars, plugins, hparams);
    }

    private static void decodeValue(ByteBuffer v, Map<String, Float> scalars, Map<String, String> plugins,
                                    Map<String, Object> hparams) {
        String tag = null;
        Float simple = null;
        ByteBuffer content = null;
        String plugin = null;
        for (Field f : Proto.fields(v)) {
            if (f.number == 1) {
                tag = f.string();
            } else if (f.number == 2) {
                simple = Float.intBitsToFloat((int) f.bits);
            } else if (f.number == 9) {
                for (Field m : Proto.fields(f.bytes)) {
                    if (m.number == 1) {
                        for (Field p : Proto.fields(m.bytes)) {
                            if (p.number == 1) {
                                plugin = p.string();
                            } else if (p.number == 2) {
                                content = p.bytes;
                            }
                        }
                    }
                }
            }
        }
        if (simple != null) {
            scalars.put(tag, simple);
        }
        if (plugin != null) {
            plugins.put(tag, plugin);
        }
        if ("hparams".equals(plugin) && content != null) {
            for (Field d : Proto.fields(content)) {
                if (d.number == 3) { // session_start_info
                    for (Field entry : Proto.fields(d.bytes)) {
                        if (entry.number == 1) {
                            String key = null;
                            Object value = null;
                            for (Field kv : Proto.fields(entry.bytes)) {
                                if (kv.number == 1) {
                                    key = kv.string();
                                } else if (kv.number == 2) {
                                    for (Field val : Proto.fields(kv.bytes)) {
                                        value = switch (val.number) {
                                            case 2 -> Double.longBitsToDouble(val.bits);
                                            case 3 -> val.string();
                                            case 4 -> val.bits != 0;
                                            default -> null;
                                        };
                                    }
                                }
                            }
                            hparams.put(key, value);
                        }
                    }
                }
            }
        }
    }

    /** One decoded field: its number, and its bits (varint, fixed32, fixed64) or its bytes (length-delimited). */
    private record Field(int number, long bits, ByteBuffer bytes) {
        String string() {
            byte[] s = new byte[bytes.remaining()];
            bytes.duplicate().get(s);
            return new String(s, StandardCharsets.UTF_8);
        }
    }

    /** A protocol buffer message being written, field by field (the wire format, proto3). */
    private static final class Proto {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Proto varint(int field, long v) {
            tag(field, 0);
            raw(v);
            return this;
        }

        Proto fixed64(int field, double v) {
            tag(field, 1);
            long bits = Double.doubleToLongBits(v);
            for (int i = 0; i < 8; i++) {
                buf.write((int) (bits >>> (8 * i)));
            }
            return this;
        }

        Proto fixed32(int field, float v) {
            tag(field, 5);
            int bits = Float.floatToIntBits(v);
            for (int i = 0; i < 4; i++) {
                buf.write(bits >>> (8 * i));
            }
            return this;
        }

        Proto string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto m) {
            return bytes(field, m.toByteArray());
        }

        Proto bytes(int field, byte[] b) {
            tag(field, 2);
            raw(b.length);
            buf.write(b, 0, b.length);
            return this;
        }

        byte[] toByteArray() {
            return buf.toByteArray();
        }

        private void tag(int field, int wireType) {
            raw(((long) field << 3) | wireType);
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                buf.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            buf.write((int) v);
        }

        static List<Field> fields(ByteBuffer b) {
            ByteBuffer in = b.duplicate();
            List<Field> fields = new ArrayList<>();
            while (in.hasRemaining()) {
                long key = readVarint(in);
                int number = (int) (key >>> 3);
                switch ((int) (key & 7)) {
                    case 0 -> fields.add(new Field(number, readVarint(in), null));
                    case 1 -> fields.add(new Field(number, in.order(ByteOrder.LITTLE_ENDIAN).getLong(), null));
                    case 5 -> fields.add(new Field(number, in.order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL,
                            null));
                    case 2 -> {
                        int len = (int) readVarint(in);
                        ByteBuffer sub = in.slice();
                        sub.limit(len);
                        in.position(in.position() + len);
                        fields.add(new Field(number, 0, sub));
                    }
                    default -> throw new IllegalArgumentException("protocol buffer wire type " + (key & 7)
                            + " of field " + number + " is not one TensorBoard events use");
                }
            }
            return fields;
        }

        private static long readVarint(ByteBuffer in) {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte x = in.get();
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("a varint longer than 10 bytes");
        }
    }
}
