package org.lomospark.pipeline.testing;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.lomospark.datasets.testing.LocalSpark;

/**
 * A real Spark standalone cluster on loopback: a Master and one Worker, each its own JVM started from this
 * project's test classpath, the Worker launching executors as JVMs of their own (as on any cluster). No Spark
 * installation: {@code SPARK_HOME} is an empty directory and executors get Spark's classpath through
 * {@code spark.executor.extraClassPath} ({@link #executorClassPath(Path)}) and the application jar from the driver.
 *
 * <pre>{@code
 * try (StandaloneCluster cluster = StandaloneCluster.start(dir, 2, "3g")) {
 *     SparkSession spark = LocalSpark.builder("app", cluster.masterUrl())
 *             .config("spark.executor.extraClassPath", cluster.executorClassPath(appJar))
 *             .config("spark.jars", appJar.toString()) ...
 * }
 * }</pre>
 */
public final class StandaloneCluster implements AutoCloseable {
    private final Process master;
    private final Process worker;
    private final String masterUrl;
    private final String classPath;

    private StandaloneCluster(Process master, Process worker, String masterUrl, String classPath) {
        this.master = master;
        this.worker = worker;
        this.masterUrl = masterUrl;
        this.classPath = classPath;
    }

    /**
     * @param dir where SPARK_HOME, the Worker's work directory (executor logs) and the daemons' logs go
     * @param cores the Worker's cores
     * @param memory the Worker's memory for executors ({@code 3g})
     */
    public static StandaloneCluster start(Path dir, int cores, String memory) throws IOException, InterruptedException {
        String classPath = testClassPath();
        Path home = Files.createDirectories(dir.resolve("spark-home"));
        Files.createDirectories(home.resolve("jars"));
        int port = freePort();
        String url = "spark://127.0.0.1:" + port;
        Process master = launch(dir, "master", home, classPath, List.of("org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", "" + port, "--webui-port", "0"));
        try {
            awaitPort(port, master, dir.resolve("master.log"));
            Process worker = launch(dir, "worker", home, classPath, List.of("org.apache.spark.deploy.worker.Worker",
                    "--host", "127.0.0.1", "--cores", "" + cores, "--memory", memory, "--webui-port", "0",
                    "--work-dir", Files.createDirectories(dir.resolve("work")).toString(), url));
            return new StandaloneCluster(master, worker, url, classPath);
        } catch (IOException | RuntimeException | InterruptedException e) {
            master.destroyForcibly();
            throw e;
        }
    }

    public String masterUrl() {
        return masterUrl;
    }

    /**
     * The classpath of an executor that gets the application from {@code appJar} ({@code spark.jars}), as under
     * spark-submit: Spark and what it ships, that is this module's test classpath less this project's classes and
     * every library the application jar already holds (found by looking up one class of each jar in it).
     */
    public String executorClassPath(Path appJar) throws IOException {
        List<String> kept = new ArrayList<>();
        try (java.util.zip.ZipFile app = new java.util.zip.ZipFile(appJar.toFile())) {
            for (String entry : classPath.split(File.pathSeparator)) {
                Path p = Path.of(entry);
                if (Files.isRegularFile(p) && !inside(app, p)) {
                    kept.add(entry);
                }
            }
        }
        return String.join(File.pathSeparator, kept);
    }

    /** Whether the first class of {@code jar} is in {@code app}. */
    private static boolean inside(java.util.zip.ZipFile app, Path jar) throws IOException {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(jar.toFile())) {
            return z.stream().map(java.util.zip.ZipEntry::getName)
                    .filter(n -> n.endsWith(".class") && !n.startsWith("META-INF/") && !n.endsWith("module-info.class"))
                    .findFirst()
                    .map(n -> app.getEntry(n) != null)
                    .orElse(false);
        }
    }

    /** The JVM flags executors need ({@code spark.executor.extraJavaOptions}): this JVM's module opens. */
    /**
     * A session on this cluster with {@code executors} one-core executors running {@code appJar} (as under
     * spark-submit), returned once all of them have registered.
     */
    public SparkSession session(String app, Path appJar, int executors) throws IOException, InterruptedException {
        SparkSession spark = LocalSpark.builder(app, masterUrl())
                .config("spark.executor.cores", "1")
                .config("spark.cores.max", Integer.toString(executors))
                .config("spark.executor.memory", "1500m")
                .config("spark.executor.extraClassPath", executorClassPath(appJar))
                .config("spark.jars", appJar.toString())
                .config("spark.executor.extraJavaOptions", executorJavaOptions())
                .getOrCreate();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        // the driver counts itself among the executor infos
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < executors + 1) {
            if (System.nanoTime() > deadline) {
                spark.stop();
                throw new AssertionError("fewer than " + executors + " executors registered within 120 s");
            }
            Thread.sleep(200);
        }
        return spark;
    }

    public static String executorJavaOptions() {
        return String.join(" ", jvmFlags());
    }

    /** The executor JVM the Worker launched for {@code executorId}, while it is alive (Linux: reads /proc). */
    public Optional<ProcessHandle> executor(String executorId) {
        return worker.descendants()
                .filter(p -> {
                    List<String> args = arguments(p);
                    int at = args.indexOf("--executor-id");
                    return args.contains("org.apache.spark.executor.CoarseGrainedExecutorBackend") && at >= 0
                            && at + 1 < args.size() && args.get(at + 1).equals(executorId);
                })
                .findFirst();
    }

    /** A process's arguments; {@code ProcessHandle.Info} leaves them out when the command line is long. */
    private static List<String> arguments(ProcessHandle p) {
        try {
            String cmdline = Files.readString(Path.of("/proc", "" + p.pid(), "cmdline"), StandardCharsets.UTF_8);
            return List.of(cmdline.split("\0"));
        } catch (IOException gone) {
            return List.of();
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : List.of(worker, master)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroy();
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static Process launch(Path dir, String name, Path home, String classPath, List<String> mainAndArgs)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.addAll(jvmFlags());
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        // the Worker's command builder asks for the Scala version of the (absent) Spark build
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_LOG_DIR", dir.toString());
        return pb.start();
    }

    /**
     * This JVM's {@code --add-opens} and {@code -D} flags (Spark's Java 17 opens, JavaCPP's memory limits, where the
     * natives unpack), for a child JVM of a test.
     */
    public static List<String> jvmFlags() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Dorg.bytedeco")
                        || a.startsWith("-Dio.netty") || a.startsWith("-DDJL_CACHE_DIR") || a.startsWith("-Djna."))
                .toList();
    }

    /** The test classpath Maven wrote ({@code test-classpath.txt}), after this module's own classes. */
    private static String testClassPath() throws IOException {
        String file = System.getProperty("test.classpath.file");
        if (file == null) {
            throw new IllegalStateException("system property test.classpath.file is not set (surefire sets it)");
        }
        Path target = Path.of(file).getParent();
        return String.join(File.pathSeparator, target.resolve("test-classes").toString(),
                target.resolve("classes").toString(), Files.readString(Path.of(file), StandardCharsets.UTF_8).trim());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(int port, Process process, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Spark master exited with " + process.exitValue() + ": "
                        + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("the Spark master did not listen on " + port + " within 60 s: "
                + Files.readString(log));
    }
}
