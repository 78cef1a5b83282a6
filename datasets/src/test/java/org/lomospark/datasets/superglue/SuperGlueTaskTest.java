package org.lomospark.datasets.superglue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SuperGlueTaskTest {
    @ParameterizedTest
    @EnumSource(SuperGlueTask.class)
    void dirNameRoundTrips(SuperGlueTask task) {
        assertEquals(task, SuperGlueTask.fromDirName(task.dirName()));
    }

    @Test
    void unknownOrMiscasedFolderNamesAreRejectedWithTheChoices() {
        assertEquals("unknown SuperGLUE task folder 'boolq' (choices: [BoolQ, CB, COPA, MultiRC, ReCoRD, RTE, WiC, WSC])",
                assertThrows(IllegalArgumentException.class, () -> SuperGlueTask.fromDirName("boolq")).getMessage());
    }

    @Test
    void filesFollowTheOfficialLayout() {
        assertEquals(Path.of("/data/superglue/ReCoRD/val.jsonl"),
                SuperGlueTask.RECORD.file(Path.of("/data/superglue"), Split.VAL));
        assertEquals(Path.of("/d/WiC/test.jsonl"), SuperGlueTask.WIC.file(Path.of("/d"), Split.TEST));
    }
}
