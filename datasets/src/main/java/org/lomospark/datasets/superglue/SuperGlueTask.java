package org.lomospark.datasets.superglue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.lomospark.datasets.jsonl.JsonlFile;
import org.lomospark.datasets.jsonl.Parsed;
import org.lomospark.datasets.jsonl.RecordParser;

/**
 * The eight SuperGLUE tasks, named as the official release names their folders:
 * {@code <root>/<dirName>/{train,val,test}.jsonl}.
 *
 * <pre>
 * for (Parsed&lt;SuperGlueRecord&gt; p : SuperGlueTask.fromDirName("WiC").read(root, Split.VAL)) { ... }
 * </pre>
 *
 * For one task's own type, read its file with the record's parser:
 * {@code JsonlFile.read(SuperGlueTask.WIC.file(root, Split.VAL), Wic::parse)}.
 */
public enum SuperGlueTask {
    BOOLQ("BoolQ", BoolQ::parse),
    CB("CB", Cb::parse),
    COPA("COPA", Copa::parse),
    MULTIRC("MultiRC", MultiRc::parse),
    RECORD("ReCoRD", Record::parse),
    RTE("RTE", Rte::parse),
    WIC("WiC", Wic::parse),
    WSC("WSC", Wsc::parse);

    private final String dirName;
    private final RecordParser<SuperGlueRecord> parser;

    SuperGlueTask(String dirName, RecordParser<SuperGlueRecord> parser) {
        this.dirName = dirName;
        this.parser = parser;
    }

    public String dirName() {
        return dirName;
    }

    public RecordParser<SuperGlueRecord> parser() {
        return parser;
    }

    /** Exact, case-sensitive: the folder names are what the release ships, and filesystems differ on case. */
    public static SuperGlueTask fromDirName(String dirName) {
        return Arrays.stream(values())
                .filter(task -> task.dirName.equals(dirName))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown SuperGLUE task folder '" + dirName
                        + "' (choices: " + Arrays.stream(values()).map(SuperGlueTask::dirName).toList() + ")"));
    }

    public Path file(Path root, Split split) {
        return root.resolve(dirName).resolve(split.fileName());
    }

    public List<Parsed<SuperGlueRecord>> read(Path root, Split split) throws IOException {
        return JsonlFile.read(file(root, split), parser);
    }
}
