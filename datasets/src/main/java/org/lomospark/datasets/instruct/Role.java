package org.lomospark.datasets.instruct;

/** Who speaks a {@link Turn}; only the assistant's words are trained on. */
public enum Role {
    SYSTEM,
    USER,
    ASSISTANT
}
