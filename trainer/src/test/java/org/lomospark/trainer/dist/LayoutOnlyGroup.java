package org.lomospark.trainer.dist;

import org.bytedeco.pytorch.Tensor;

/**
 * Rank {@code rank} of a group of {@code size} with no other rank behind it: enough for code that only reads the
 * layout (building or loading one rank's slices of a model), and loud if anything tries to talk.
 */
public record LayoutOnlyGroup(int rank, int size) implements Group {

    @Override
    public void allReduceSum(Tensor t) {
        throw refused();
    }

    @Override
    public void allReduceMax(Tensor t) {
        throw refused();
    }

    @Override
    public void broadcast(Tensor t, int root) {
        throw refused();
    }

    @Override
    public void barrier() {
        throw refused();
    }

    @Override
    public void close() {}

    private static UnsupportedOperationException refused() {
        return new UnsupportedOperationException("a layout-only group has no other ranks to talk to");
    }
}
