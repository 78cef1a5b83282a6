package org.lomospark.datasets.instruct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateTest {
    @TempDir
    Path dir;

    private Path write(String json) throws Exception {
        return Files.writeString(dir.resolve("chat.json"), json);
    }

    @Test
    void defaultsAreThePlainAlpacaLayout() {
        assertEquals(new ChatTemplate("### System:\n", "### Instruction:\n", "### Response:\n", "\n\n"),
                ChatTemplate.defaults());
    }

    @Test
    void fileOverridesTheDefaults() throws Exception {
        Path file = write("{\"systemPrefix\": \"System: \", \"userPrefix\": \"User: \","
                + " \"assistantPrefix\": \"Assistant: \", \"turnSuffix\": \"\\n\"}");
        assertEquals(new ChatTemplate("System: ", "User: ", "Assistant: ", "\n"), ChatTemplate.load(file));
    }

    @Test
    void unknownKeyIsAnErrorNamingFileAndKey() throws Exception {
        Path file = write("{\"systemPrefix\": \"S\", \"userPrefix\": \"U\", \"assistantPrefix\": \"A\","
                + " \"turnSuffix\": \"\", \"userSuffix\": \"\"}");
        assertEquals(file + ": unknown key 'userSuffix' (expected [systemPrefix, userPrefix, assistantPrefix,"
                        + " turnSuffix])",
                assertThrows(IllegalArgumentException.class, () -> ChatTemplate.load(file)).getMessage());
    }

    @Test
    void missingOrNonStringKeyIsAnError() throws Exception {
        Path missing = write("{\"systemPrefix\": \"S\", \"userPrefix\": \"U\", \"assistantPrefix\": \"A\"}");
        assertEquals(missing + ": key 'turnSuffix' missing",
                assertThrows(IllegalArgumentException.class, () -> ChatTemplate.load(missing)).getMessage());
        Path number = write("{\"systemPrefix\": 1, \"userPrefix\": \"U\", \"assistantPrefix\": \"A\","
                + " \"turnSuffix\": \"\"}");
        assertEquals(number + ": key 'systemPrefix' must be a string",
                assertThrows(IllegalArgumentException.class, () -> ChatTemplate.load(number)).getMessage());
    }
}
