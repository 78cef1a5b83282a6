package org.lomospark.trainer.dist;

import java.time.Duration;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.PrefixStore;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.nccl.ProcessGroupNCCL;
import org.lomospark.trainer.tensor.Placement;
import org.bytedeco.pytorch.TCPStoreOptions;

/**
 * One rank's place in a {@code dp x tp} job: the rendezvous store and the world, data-parallel and
 * tensor-parallel groups over it. Rank 0 opens the store ({@link #listen}); every rank then {@link #join}s with
 * the address rank 0 shares (in a Spark barrier stage through {@code BarrierTaskContext.allGather}).
 *
 * <pre>
 * try (Distributed.Server server = Distributed.listen("10.0.0.5")) {          // rank 0 only
 *     String address = server.address();                                       // "10.0.0.5:41233", shared
 * }
 * try (Distributed d = Distributed.join(address, new Mesh(2, 1, rank), "10.0.0.7", Duration.ofMinutes(5))) {
 *     d.dp().allReduceSum(grad);
 * }
 * </pre>
 *
 * <p>Gloo carries the collectives of CPU tensors, NCCL those of CUDA tensors.
 */
public final class Distributed implements AutoCloseable {
    private final Mesh mesh;
    private final Group world;
    private final Group dp;
    private final Group tp;

    private Distributed(Mesh mesh, Group world, Group dp, Group tp) {
        this.mesh = mesh;
        this.world = world;
        this.dp = dp;
        this.tp = tp;
    }

    /** A single process: every group is {@link Group#single()}. */
    public static Distributed single() {
        return new Distributed(new Mesh(1, 1, 0), Group.single(), Group.single(), Group.single());
    }

    /** The rendezvous store's server, opened by rank 0 on a free port of {@code host}; stays open until closed. */
    public static final class Server implements AutoCloseable {
        private final TCPStore store;
        private final String host;

        private Server(TCPStore store, String host) {
            this.store = store;
            this.host = host;
        }

        /** {@code host:port}, what the other ranks join. */
        public String address() {
            return host + ":" + (store.getPort() & 0xffff);
        }

        @Override
        public void close() {
            store.close();
        }
    }

    public static Server listen(String host) {
        try (TCPStoreOptions options = new TCPStoreOptions()) {
            options.port((short) 0).isServer(true).waitWorkers(false);
            return new Server(new TCPStore(host, options), host);
        }
    }

    /**
     * Connects to the store at {@code address} and forms Gloo groups (CPU tensors). Blocks until every rank of each
     * group has joined, up to {@code timeout}.
     *
     * @param localHost the address this rank's Gloo connections use (its own interface; loopback in tests)
     */
    public static Distributed join(String address, Mesh mesh, String localHost, Duration timeout) {
        return join(address, mesh, localHost, timeout, Placement.cpu(org.bytedeco.pytorch.global.torch.ScalarType.Float));
    }

    /**
     * The groups for tensors at {@code placement}: Gloo on the CPU, NCCL on a CUDA device (this rank's GPU; NCCL
     * talks over NVLink or the network by itself, {@code localHost} serves only Gloo).
     */
    public static Distributed join(String address, Mesh mesh, String localHost, Duration timeout, Placement placement) {
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("rendezvous address '" + address + "' is not host:port");
        }
        if (mesh.world() == 1) {
            return single();
        }
        String host = address.substring(0, colon);
        int port = Integer.parseInt(address.substring(colon + 1));
        long ms = timeout.toMillis();
        GroupFactory make = (name, rank, size) -> placement.isCuda()
                ? nccl(host, port, name, rank, size, placement, ms)
                : gloo(host, port, name, rank, size, localHost, ms);
        Group world = make.group("world", mesh.rank(), mesh.world());
        Group dp = mesh.dp() == 1 ? Group.single() : make.group("dp" + mesh.tpRank(), mesh.dpRank(), mesh.dp());
        Group tp = mesh.tp() == 1 ? Group.single() : make.group("tp" + mesh.dpRank(), mesh.tpRank(), mesh.tp());
        return new Distributed(mesh, world, dp, tp);
    }

    private interface GroupFactory {
        Group group(String name, int rank, int size);
    }

    /**
     * A Gloo group over its own store client: libtorch takes ownership of the store it is given (an intrusive
     * pointer), so one Java store object must never back two groups; that aborts the JVM.
     */
    private static Group gloo(String host, int port, String name, int rank, int size, String localHost, long ms) {
        try (TCPStoreOptions storeOptions = new TCPStoreOptions(); Milliseconds timeout = new Milliseconds(ms)) {
            storeOptions.port((short) port).isServer(false).waitWorkers(false).timeout(timeout);
            Store store = new PrefixStore(name, new TCPStore(host, storeOptions));
            ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create(timeout);
            options.devices().push_back(ProcessGroupGloo.createDeviceForHostname(localHost));
            // the connect happens in the constructor; its report to stdout is dropped (GlooStdout)
            ProcessGroupGloo group = GlooStdout.connecting(() -> new ProcessGroupGloo(store, rank, size, options));
            return new C10dGroup(name, group, rank, size, ms, null);
        }
    }

    /**
     * An NCCL group, its own store client as for Gloo. Its communicator forms at the first collective, on the
     * device of that collective's tensor; host numbers and barriers go through a one-element tensor on
     * {@code placement}'s device, so no rank guesses a device from its rank.
     */
    private static Group nccl(String host, int port, String name, int rank, int size, Placement placement, long ms) {
        try (TCPStoreOptions storeOptions = new TCPStoreOptions(); Milliseconds timeout = new Milliseconds(ms)) {
            storeOptions.port((short) port).isServer(false).waitWorkers(false).timeout(timeout);
            Store store = new PrefixStore(name, new TCPStore(host, storeOptions));
            ProcessGroupNCCL.Options options = ProcessGroupNCCL.Options.create();
            options.timeout(timeout);
            return new C10dGroup(name, new ProcessGroupNCCL(store, rank, size, options), rank, size, ms, placement);
        }
    }

    public Mesh mesh() {
        return mesh;
    }

    public Group world() {
        return world;
    }

    /** The ranks holding the same model slice and different data: gradients are summed over it. */
    public Group dp() {
        return dp;
    }

    /** The ranks sharing one model replica, each with its slices. */
    public Group tp() {
        return tp;
    }

    /** {@link Group#abort()} on every group: from a watcher thread, when this rank's work is cancelled. */
    public void abort() {
        tp.abort();
        dp.abort();
        world.abort();
    }

    @Override
    public void close() {
        tp.close();
        dp.close();
        world.close();
    }
}
