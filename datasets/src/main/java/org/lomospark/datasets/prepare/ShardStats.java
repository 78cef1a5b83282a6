package org.lomospark.datasets.prepare;

import java.io.Serializable;

/**
 * What one trainer shard holds, as its task reports it to the driver: its manifest entry and, per source, the
 * train rows, tokens and longest row in it (packing makes these known only here).
 */
record ShardStats(int index, Manifest.Shard shard, long[] rows, long[] tokens, int[] longest)
        implements Serializable {}
