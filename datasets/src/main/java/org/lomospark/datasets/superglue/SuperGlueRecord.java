package org.lomospark.datasets.superglue;

/**
 * One example of a SuperGLUE task, in the layout of the official JSONL release.
 *
 * <pre>
 * if (record instanceof Copa copa) System.out.println(copa.premise());
 * </pre>
 */
public sealed interface SuperGlueRecord permits BoolQ, Cb, Copa, MultiRc, Record, Rte, Wic, Wsc {
    /** The example's index in its file, as written there (predictions are submitted by it). */
    long idx();
}
