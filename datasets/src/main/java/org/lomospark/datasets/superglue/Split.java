package org.lomospark.datasets.superglue;

/**
 * The three files of each task in the official release; test has no labels.
 *
 * <pre>
 * Path file = root.resolve("CB").resolve(Split.VAL.fileName());  // CB/val.jsonl
 * </pre>
 */
public enum Split {
    TRAIN("train"), VAL("val"), TEST("test");

    private final String name;

    Split(String name) {
        this.name = name;
    }

    public String fileName() {
        return name + ".jsonl";
    }
}
