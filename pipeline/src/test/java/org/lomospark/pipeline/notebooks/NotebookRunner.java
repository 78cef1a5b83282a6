package org.lomospark.pipeline.notebooks;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;
import scala.tools.nsc.interpreter.shell.ReplReporterImpl;

/**
 * Runs a notebook cell by cell, in order, in the Scala 2.13 REPL that Almond and Zeppelin's Spark interpreter are
 * built on (the compiler's {@code IMain}, class-based as Spark's shell uses it), on this JVM's classpath (the
 * application jar and Spark's jars), and writes the notebook back with each cell's outputs.
 *
 * <ul>
 *   <li>A Jupyter notebook ({@code .ipynb}): its one kernel setup cell (first line {@code // kernel setup}) is the
 *       Almond kernel's and is left unrun; {@code showImage(path)} shows a PNG below the cell.
 *   <li>A Zeppelin note ({@code .zpln}): {@code %spark.conf} paragraphs configure the session that Zeppelin's
 *       Spark interpreter predefines as {@code spark} ({@code spark.jars} must name a jar that exists;
 *       {@code /path/to/lomo-spark} in it stands for this checkout); {@code %spark} paragraphs run;
 *       {@code %md} paragraphs are left as they are. Output starting with {@code %html} is an HTML result.
 * </ul>
 *
 * <p>It stops at the first cell that fails to compile or throws (an {@code assert} in a cell is how a notebook
 * states what its output must be): that cell shows the error, and the exit code is 1.
 *
 * <pre>
 * java -cp test-classes:app.jar:spark-jars:scala-compiler.jar NotebookRunner notebooks/fine-tune.ipynb out.ipynb
 * </pre>
 */
public final class NotebookRunner {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String SETUP_MARK = "// kernel setup";
    static final String CHECKOUT = "/path/to/lomo-spark";
    private static final DateTimeFormatter ZEPPELIN_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private final IMain repl;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);

    /** The outcome of one cell: what it printed (REPL echo, {@code println}, {@code show()}), its images. */
    record CellResult(boolean ok, String text, List<byte[]> images) {}

    private NotebookRunner() {
        Settings settings = new Settings();
        settings.processArgumentString("-usejavacp -Yrepl-class-based -deprecation");
        repl = new IMain(settings, new ReplReporterImpl(settings, new PrintWriter(capture, true)));
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: NotebookRunner NOTEBOOK(.ipynb|.zpln) OUT");
            System.exit(2);
        }
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Path checkout = Path.of(System.getProperty("lomo.checkout", ".")).toAbsolutePath().normalize();
        NotebookRunner runner = new NotebookRunner();
        boolean ok = in.toString().endsWith(".zpln") ? runner.zeppelin(in, out, checkout) : runner.jupyter(in, out);
        System.exit(ok ? 0 : 1);
    }

    /** Runs one cell's code; the REPL's echo and everything printed meanwhile are its text. */
    CellResult run(String code) {
        captured.reset();
        NotebookDisplay.drain();
        PrintStream stdout = System.out;
        System.setOut(capture);
        Results.Result r;
        try {
            r = scala.Console$.MODULE$.withOut(capture, (scala.Function0<Results.Result>) () -> repl.interpret(code));
        } finally {
            System.setOut(stdout);
        }
        capture.flush();
        String text = captured.toString(StandardCharsets.UTF_8);
        boolean ok = r == Results.Success$.MODULE$;
        stdout.print(text); // the run's own log
        return new CellResult(ok, text, NotebookDisplay.drain());
    }

    private boolean jupyter(Path in, Path out) throws Exception {
        ObjectNode nb = (ObjectNode) JSON.readTree(in.toFile());
        run("def showImage(path: String): Unit = org.lomospark.pipeline.notebooks.NotebookDisplay.image(path)");
        int count = 0;
        boolean ok = true;
        for (JsonNode c : nb.get("cells")) {
            ObjectNode cell = (ObjectNode) c;
            if (!cell.path("cell_type").asText().equals("code")) {
                continue;
            }
            ArrayNode outputs = cell.putArray("outputs");
            String source = text(cell.get("source"));
            if (source.startsWith(SETUP_MARK) || !ok) {
                cell.putNull("execution_count"); // the kernel's own setup, or after a failed cell: not run
                continue;
            }
            CellResult r = run(source);
            cell.put("execution_count", ++count);
            if (!r.text().isEmpty()) {
                ObjectNode o = outputs.addObject().put("output_type", r.ok() ? "stream" : "error");
                if (r.ok()) {
                    o.put("name", "stdout").set("text", lines(r.text()));
                } else {
                    o.put("ename", "CellFailed").put("evalue", firstLine(r.text()));
                    o.set("traceback", lines(r.text()));
                }
            }
            for (byte[] png : r.images()) {
                ObjectNode d = outputs.addObject().put("output_type", "display_data");
                d.putObject("data").put("image/png", Base64.getEncoder().encodeToString(png))
                        .put("text/plain", "<image/png, " + png.length + " bytes>");
                d.putObject("metadata");
            }
            ok = r.ok();
        }
        write(nb, out);
        return ok;
    }

    private boolean zeppelin(Path in, Path out, Path checkout) throws Exception {
        ObjectNode note = (ObjectNode) JSON.readTree(in.toFile());
        boolean started = false;
        boolean ok = true;
        Map<String, String> conf = new LinkedHashMap<>();
        for (JsonNode p : note.get("paragraphs")) {
            ObjectNode paragraph = (ObjectNode) p;
            String text = paragraph.path("text").asText();
            String kind = text.startsWith("%") ? text.substring(0, text.indexOf('\n') < 0 ? text.length()
                    : text.indexOf('\n')).trim() : "%spark";
            String body = text.startsWith("%") ? text.substring(kind.length()) : text;
            if (!ok || kind.equals("%md")) {
                continue;
            }
            String now = LocalDateTime.now().format(ZEPPELIN_TIME);
            paragraph.put("dateStarted", now);
            if (kind.equals("%spark.conf")) {
                if (started) {
                    throw new IllegalStateException(in + ": a %spark.conf paragraph after the interpreter started");
                }
                conf.putAll(sparkConf(body, checkout));
                paragraph.putObject("results").put("code", "SUCCESS").putArray("msg");
            } else if (kind.equals("%spark")) {
                if (!started) {
                    // what Zeppelin's Spark interpreter predefines
                    SparkSession.Builder b = SparkSession.builder().appName("zeppelin")
                            .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                            .config("spark.ui.enabled", "false");
                    conf.forEach(b::config);
                    b.getOrCreate();
                    run("val spark = org.apache.spark.sql.SparkSession.active\nval sc = spark.sparkContext");
                    started = true;
                }
                CellResult r = run(body);
                ObjectNode results = paragraph.putObject("results").put("code", r.ok() ? "SUCCESS" : "ERROR");
                ArrayNode msg = results.putArray("msg");
                for (String part : r.text().split("(?m)^(?=%html )")) {
                    if (!part.isEmpty()) {
                        boolean html = part.startsWith("%html ");
                        msg.addObject().put("type", html ? "HTML" : "TEXT")
                                .put("data", html ? part.substring("%html ".length()) : part);
                    }
                }
                ok = r.ok();
            } else {
                throw new IllegalArgumentException(in + ": paragraph '" + kind + "' is not one this runner runs "
                        + "(%spark, %spark.conf, %md)");
            }
            paragraph.put("dateFinished", LocalDateTime.now().format(ZEPPELIN_TIME));
            paragraph.put("status", ok ? "FINISHED" : "ERROR");
        }
        write(note, out);
        return ok;
    }

    /** A {@code %spark.conf} paragraph's {@code key value} lines; {@code spark.jars} must exist. */
    static Map<String, String> sparkConf(String body, Path checkout) {
        Map<String, String> conf = new LinkedHashMap<>();
        for (String line : body.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] kv = l.split("\\s+", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("%spark.conf line '" + l + "' is not 'key value'");
            }
            String value = kv[1].replace(CHECKOUT, checkout.toString());
            if (kv[0].equals("spark.jars")) {
                for (String jar : value.split(",")) {
                    if (!Files.isRegularFile(Path.of(jar))) {
                        throw new IllegalArgumentException("%spark.conf spark.jars " + jar + " does not exist (build "
                                + "it with mvn -B package -DskipTests)");
                    }
                }
            }
            conf.put(kv[0].equals("master") ? "spark.master" : kv[0], value);
        }
        return conf;
    }

    private static String text(JsonNode source) {
        if (source.isArray()) {
            StringBuilder b = new StringBuilder();
            source.forEach(s -> b.append(s.asText()));
            return b.toString();
        }
        return source.asText();
    }

    /** Jupyter's multi-line string: the lines, each but the last with its line end. */
    private static ArrayNode lines(String text) {
        ArrayNode a = JSON.createArrayNode();
        for (String l : text.split("(?<=\n)")) {
            a.add(l);
        }
        return a;
    }

    private static String firstLine(String text) {
        for (String l : text.split("\n")) {
            if (!l.isBlank()) {
                return l.strip();
            }
        }
        return "";
    }

    private static void write(JsonNode doc, Path out) throws Exception {
        DefaultPrettyPrinter pretty = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter(" ", "\n"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, JSON.writer(pretty).writeValueAsString(doc) + "\n", StandardCharsets.UTF_8);
    }
}
