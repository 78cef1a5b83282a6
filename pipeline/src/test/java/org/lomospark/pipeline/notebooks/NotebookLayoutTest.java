package org.lomospark.pipeline.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed notebooks have the layouts their tools import: a Zeppelin 0.11/0.12 note ({@code .zpln}, as
 * Zeppelin writes its own notes) and a Jupyter nbformat 4.5 notebook.
 */
class NotebookLayoutTest {
    private static final Path NOTEBOOKS = Path.of("..", "notebooks");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter ZEPPELIN_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    @Test
    void theZeppelinNoteHasZeppelinsNoteLayout() throws Exception {
        List<Path> notes;
        try (var files = Files.list(NOTEBOOKS)) {
            notes = files.filter(f -> f.toString().endsWith(".zpln")).toList();
        }
        assertEquals(1, notes.size(), notes.toString());
        Path file = notes.get(0);
        JsonNode note = JSON.readTree(file.toFile());
        for (Map.Entry<String, Boolean> key : Map.of("paragraphs", true, "noteParams", false, "noteForms", false,
                "angularObjects", false, "config", false, "info", false).entrySet()) {
            assertTrue(key.getValue() ? note.path(key.getKey()).isArray() : note.path(key.getKey()).isObject(),
                    key.getKey());
        }
        String id = note.path("id").asText();
        assertTrue(id.matches("[A-Z0-9]{9}"), id);
        // Zeppelin names a note's file <name>_<id>.zpln
        assertEquals(note.path("name").asText() + "_" + id + ".zpln", file.getFileName().toString());
        assertEquals("spark", note.path("defaultInterpreterGroup").asText());
        assertTrue(note.path("version").asText().matches("0\\.1[12]\\.\\d+"), note.path("version").asText());
        Set<String> ids = new HashSet<>();
        for (JsonNode p : note.get("paragraphs")) {
            String text = p.path("text").asText();
            assertTrue(text.matches("(?s)%(md|spark|spark\\.conf)\\n.*"), text);
            assertTrue(ids.add(p.path("id").asText()), "paragraph ids are unique: " + p.path("id"));
            assertTrue(p.path("jobName").asText().startsWith("paragraph_"), p.path("jobName").asText());
            for (String date : List.of("dateCreated", "dateUpdated", "dateStarted", "dateFinished")) {
                if (p.has(date)) {
                    LocalDateTime.parse(p.get(date).asText(), ZEPPELIN_TIME);
                }
            }
            assertTrue(Set.of("READY", "FINISHED", "ERROR", "ABORT", "PENDING", "RUNNING")
                    .contains(p.path("status").asText()), p.path("status").asText());
            JsonNode config = p.path("config");
            assertTrue(config.path("editorSetting").path("language").isTextual(), config.toString());
            assertTrue(config.path("editorMode").asText().startsWith("ace/mode/"), config.toString());
            assertTrue(config.path("colWidth").isNumber() && config.path("enabled").isBoolean(), config.toString());
            assertTrue(p.path("settings").path("params").isObject() && p.path("settings").path("forms").isObject());
            assertTrue(p.path("apps").isArray());
            if (p.has("results")) {
                assertTrue(Set.of("SUCCESS", "ERROR").contains(p.path("results").path("code").asText()));
                for (JsonNode m : p.path("results").path("msg")) {
                    assertTrue(Set.of("TEXT", "HTML", "TABLE", "IMG").contains(m.path("type").asText()), m.toString());
                    assertTrue(m.path("data").isTextual(), m.toString());
                }
            }
        }
        JsonNode conf = note.get("paragraphs").get(1);
        assertTrue(conf.path("text").asText().startsWith("%spark.conf\n"), "the app jar is set before %spark runs");
        assertTrue(conf.path("text").asText().contains("\nspark.jars " + NotebookRunner.CHECKOUT + "/pipeline/target/"
                + "lomo-spark-pipeline-"), conf.path("text").asText());
    }

    @Test
    void theJupyterNotebookIsNbformat45WithOneKernelSetupCell() throws Exception {
        JsonNode nb = JSON.readTree(NOTEBOOKS.resolve("fine-tune.ipynb").toFile());
        assertEquals(4, nb.path("nbformat").asInt());
        assertTrue(nb.path("nbformat_minor").asInt() >= 5);
        assertEquals("scala", nb.path("metadata").path("kernelspec").path("language").asText());
        Set<String> ids = new HashSet<>();
        int setup = 0;
        for (JsonNode c : nb.get("cells")) {
            assertTrue(ids.add(c.path("id").asText()) && !c.path("id").asText().isEmpty(), c.toString());
            assertTrue(Set.of("code", "markdown").contains(c.path("cell_type").asText()));
            assertTrue(c.path("source").isArray() && c.path("metadata").isObject(), c.toString());
            if (c.path("cell_type").asText().equals("code")) {
                assertTrue(c.path("outputs").isArray(), c.toString());
                StringBuilder source = new StringBuilder();
                c.get("source").forEach(l -> source.append(l.asText()));
                setup += source.toString().startsWith(NotebookRunner.SETUP_MARK) ? 1 : 0;
                // the kernel's own syntax only in the setup cell
                assertEquals(source.toString().startsWith(NotebookRunner.SETUP_MARK),
                        source.toString().contains("interp.") || source.toString().contains("import $ivy"),
                        source.toString());
            }
        }
        assertEquals(1, setup);
    }

    @Test
    void sparkConfParagraphsNameAJarThatExists(@TempDir Path dir) throws Exception {
        Path jar = Files.createDirectories(dir.resolve("pipeline/target")).resolve("app.jar");
        Files.write(jar, new byte[] {1});
        assertEquals(Map.of("spark.jars", jar.toString(), "spark.master", "local[2]"), NotebookRunner.sparkConf(
                "# a comment\nspark.jars " + NotebookRunner.CHECKOUT + "/pipeline/target/app.jar\n\nmaster local[2]\n",
                dir));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> NotebookRunner.sparkConf("spark.jars /nowhere/app.jar", dir));
        assertTrue(missing.getMessage().contains("spark.jars /nowhere/app.jar does not exist"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NotebookRunner.sparkConf("spark.jars", dir));
    }
}
