package org.lomospark.pipeline.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.lomospark.pipeline.testing.StandaloneCluster;

/**
 * The notebooks under {@code notebooks/}, run cell by cell by {@link NotebookRunner} in a JVM whose classpath is
 * the application jar, Spark's jars and the Scala 2.13 compiler (and this module's test classes, for the runner):
 * every cell must run, and the cells' own {@code assert}s hold. The executed notebooks are written to
 * {@code target/notebooks/} (bin/run-notebooks copies them over the sources).
 */
class NotebooksIT {
    private static final Path CHECKOUT = Path.of("..").toAbsolutePath().normalize();
    private static final Path OUT = Path.of("target", "notebooks");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theJupyterNotebookRunsAndShowsTheLossCurveTheAccuracyAndTheAnswers() throws Exception {
        JsonNode nb = execute("fine-tune.ipynb");
        int setup = 0;
        int images = 0;
        StringBuilder text = new StringBuilder();
        for (JsonNode cell : nb.get("cells")) {
            if (!cell.path("cell_type").asText().equals("code")) {
                continue;
            }
            if (source(cell.get("source")).startsWith(NotebookRunner.SETUP_MARK)) {
                setup++;
                assertTrue(cell.get("execution_count").isNull(), "the kernel's setup cell is not run");
                continue;
            }
            assertTrue(cell.get("execution_count").isInt(), cell.toString());
            for (JsonNode o : cell.get("outputs")) {
                assertFalse(o.path("output_type").asText().equals("error"), o.toString());
                if (o.path("data").has("image/png")) {
                    byte[] png = Base64.getDecoder().decode(o.get("data").get("image/png").asText());
                    assertEquals((byte) 0x89, png[0]);
                    assertEquals("PNG", new String(png, 1, 3, StandardCharsets.US_ASCII));
                    images++;
                }
                o.path("text").forEach(t -> text.append(t.asText()));
            }
        }
        assertEquals(1, setup, "one kernel setup cell");
        assertEquals(1, images, "the loss curve");
        assertOutputs(text.toString());
    }

    @Test
    void theZeppelinNoteRunsWithTheAppJarFromSparkConf() throws Exception {
        JsonNode note = execute("fine-tune_2LOMOSPRK.zpln");
        StringBuilder text = new StringBuilder();
        int html = 0;
        for (JsonNode p : note.get("paragraphs")) {
            if (p.path("text").asText().startsWith("%md")) {
                continue;
            }
            assertEquals("FINISHED", p.path("status").asText(), p.toString());
            assertEquals("SUCCESS", p.path("results").path("code").asText(), p.toString());
            for (JsonNode m : p.path("results").path("msg")) {
                if (m.path("type").asText().equals("HTML")) {
                    assertTrue(m.path("data").asText().startsWith("<img src='data:image/png;base64,iVBOR"),
                            m.path("data").asText().substring(0, 60));
                    html++;
                } else {
                    text.append(m.path("data").asText());
                }
            }
        }
        assertEquals(1, html, "the loss curve");
        assertOutputs(text.toString());
    }

    /** What both notebooks print: the fit's progress, the accuracy table, the answers, the identical reload. */
    private static void assertOutputs(String text) {
        assertTrue(text.contains("step 450/450"), text);
        assertTrue(text.contains("|questions|accuracy|majority|"), text);
        assertTrue(text.contains("|generated"), text);
        assertTrue(text.contains("questions scored identically"), text);
    }

    private static JsonNode execute(String name) throws Exception {
        Path out = OUT.resolve(name);
        Files.createDirectories(OUT);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx2g");
        cmd.addAll(StandaloneCluster.jvmFlags());
        cmd.add("-Dlomo.checkout=" + CHECKOUT);
        cmd.add("-Dlog4j2.configurationFile=" + Path.of("src/test/resources/log4j2-test.properties").toAbsolutePath());
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(NotebookRunner.class.getName());
        cmd.add(CHECKOUT.resolve("notebooks").resolve(name).toString());
        cmd.add(out.toString());
        Path log = OUT.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        boolean done = p.waitFor(15, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly();
        }
        String printed = Files.readString(log);
        assertTrue(done, name + " still running after 15 minutes:\n" + tail(printed));
        assertEquals(0, p.exitValue(), name + " failed:\n" + tail(printed));
        return JSON.readTree(out.toFile());
    }

    /** The application jar, Spark's jars, the Scala compiler, and this module's test classes (the runner). */
    private static String classPath() throws Exception {
        Path target = Path.of(System.getProperty("test.classpath.file")).getParent();
        List<String> cp = new ArrayList<>();
        cp.add(target.resolve("test-classes").toString());
        Path app = Path.of(System.getProperty("app.jar"));
        assertTrue(Files.isRegularFile(app), app + " (built in package)");
        cp.add(app.toString());
        cp.addAll(List.of(Files.readString(target.resolve("provided-classpath.txt")).strip().split(File.pathSeparator)));
        // what Spark itself ships and the app jar therefore leaves out (Jackson, Netty, Arrow...: the shade
        // plugin's excludes), found as the runtime jars whose classes the app jar lacks
        try (JarFile appJar = new JarFile(app.toFile())) {
            for (String jar : Files.readString(target.resolve("runtime-classpath.txt")).strip()
                    .split(File.pathSeparator)) {
                String probe = firstClass(Path.of(jar));
                if (probe != null && appJar.getEntry(probe) == null) {
                    cp.add(jar);
                }
            }
        }
        for (String jar : Files.readString(target.resolve("test-classpath.txt")).strip().split(File.pathSeparator)) {
            if (jar.contains("/org/scala-lang/scala-compiler/") || jar.contains("/org/jline/")
                    || jar.contains("/io/github/java-diff-utils/")) {
                cp.add(jar);
            }
        }
        return String.join(File.pathSeparator, cp);
    }

    private static String firstClass(Path jar) throws java.io.IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            return j.stream().map(java.util.jar.JarEntry::getName)
                    .filter(n -> n.endsWith(".class") && !n.startsWith("META-INF/") && !n.equals("module-info.class"))
                    .findFirst().orElse(null);
        }
    }

    private static String source(JsonNode s) {
        StringBuilder b = new StringBuilder();
        s.forEach(l -> b.append(l.asText()));
        return b.toString();
    }

    private static String tail(String s) {
        return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
    }
}
