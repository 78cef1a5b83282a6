package org.lomospark.pipeline.train;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.tensor.Placement;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import org.lomospark.trainer.dist.Distributed;
import org.lomospark.trainer.dist.Mesh;

/**
 * The process groups of a Spark barrier stage: partition {@code i} is world rank {@code i}; rank 0 opens the
 * rendezvous store on its executor's address and shares it through {@code BarrierTaskContext.allGather}; every
 * rank joins the Gloo groups of the mesh, runs its part, and waits at a barrier so nobody closes the store while
 * another rank still needs it.
 *
 * <pre>
 * Result r = BarrierRendezvous.join(new Mesh(dp, tp, BarrierTaskContext.get().partitionId()), timeout,
 *         (distributed, host) -> train(distributed));
 * </pre>
 */
public final class BarrierRendezvous {
    private BarrierRendezvous() {}

    /**
     * When another task of the stage fails, Spark marks this one killed (without interrupting its thread); a rank
     * blocked in an NCCL collective with the failed rank would wait out the group's timeout, so a watcher aborts
     * the groups and the collective fails at once. Gloo needs none: the failed rank's closed sockets end the wait.
     */
    private static final class AbortOnKill implements AutoCloseable {
        private final Thread thread;
        private volatile boolean done;

        private AbortOnKill(BarrierTaskContext ctx, Distributed groups) {
            this.thread = new Thread(() -> {
                while (!done) {
                    if (ctx.isInterrupted()) {
                        groups.abort();
                        return;
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "lomo-abort-on-kill");
            this.thread.setDaemon(true);
            this.thread.start();
        }

        static AbortOnKill start(BarrierTaskContext ctx, Distributed groups, Placement placement) {
            return placement.isCuda() ? new AbortOnKill(ctx, groups) : null;
        }

        @Override
        public void close() throws InterruptedException {
            done = true;
            thread.join();
        }
    }

    /** What one task of a barrier stage returns: partition {@code i} is world rank {@code i}. */
    @FunctionalInterface
    public interface RankWork<T> extends java.io.Serializable {
        List<T> run() throws Exception;
    }

    /**
     * A barrier stage of {@code world} tasks, all started together, each running {@code work} (which joins the
     * groups with {@link #join}); the RDD of what they return.
     */
    public static <T> JavaRDD<T> stage(JavaSparkContext jsc, int world, Class<T> type, RankWork<T> work) {
        List<Integer> ranks = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            ranks.add(r);
        }
        scala.Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<T>> f =
                (scala.Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<T>> & Serializable)
                        it -> {
                            try {
                                return CollectionConverters.asScala(work.run().iterator());
                            } catch (Exception e) {
                                throw new IllegalStateException(e.getMessage(), e);
                            }
                        };
        return jsc.parallelize(ranks, world).rdd().barrier().mapPartitions(f, false, ClassTag$.MODULE$.apply(type))
                .toJavaRDD();
    }

    /** One rank's work, given its groups and its executor's host address. */
    @FunctionalInterface
    public interface Body<T> {
        T run(Distributed groups, String host) throws Exception;
    }

    /**
     * Joins the groups of {@code mesh} (this task's rank), runs {@code body}, closes the groups, then waits for all.
     * Native memory the body allocates without closing it is freed after the groups are closed.
     */
    public static <T> T join(Mesh mesh, Duration timeout, Body<T> body) throws Exception {
        return join(mesh, timeout, Placement.cpu(torch.ScalarType.Float), body);
    }

    /** As {@link #join(Mesh, Duration, Body)}, with the groups for tensors at {@code placement} (NCCL on a GPU). */
    public static <T> T join(Mesh mesh, Duration timeout, Placement placement, Body<T> body) throws Exception {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        String host = ctx.getTaskInfos()[mesh.rank()].address();
        host = host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
        T result;
        // rank 0 keeps the rendezvous server open for the whole run; the others only need its address
        try (Distributed.Server server = mesh.rank() == 0 && mesh.world() > 1 ? Distributed.listen(host) : null) {
            String[] all = ctx.allGather(server == null ? "" : server.address());
            String address = mesh.world() > 1 ? all[0] : "127.0.0.1:0";
            // A failing rank closes its groups here: its peers' collectives fail at once instead of timing out.
            // The body's native memory belongs to a scope that closes after the groups: a collective the failure
            // interrupted may still hold its tensors until its group is gone (freeing them first corrupts the heap).
            try (PointerScope scope = new PointerScope();
                 Distributed groups = Distributed.join(address, mesh, host, timeout, placement);
                 AbortOnKill watcher = AbortOnKill.start(ctx, groups, placement)) {
                result = body.run(groups, host);
            }
            ctx.barrier();
        }
        return result;
    }
}
