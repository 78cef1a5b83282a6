package org.lomospark.datasets.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server for tests: S3Proxy (in-memory store) as a child JVM from its self-contained jar
 * (system property {@code s3proxy.jar}, set by the module's surefire configuration), on a free loopback port, with
 * one bucket and dummy credentials known only to the test.
 *
 * <pre>
 * try (S3ProxyServer s3 = S3ProxyServer.start(tempDir, "lomo")) {
 *     SparkSession spark = s3.configure(SparkSession.builder().master("local[2]")).getOrCreate();
 *     ... "s3a://lomo/..." ...
 * }
 * </pre>
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "lomo-test-access";
    public static final String SECRET_KEY = "lomo-test-secret";

    private final Process process;
    private final String endpoint;
    private final String bucket;

    private S3ProxyServer(Process process, String endpoint, String bucket) {
        this.process = process;
        this.endpoint = endpoint;
        this.bucket = bucket;
    }

    /** Starts the server with its settings in {@code dir} and creates {@code bucket}. */
    public static S3ProxyServer start(Path dir, String bucket) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String endpoint = "http://127.0.0.1:" + port;
        Path jar = Path.of(System.getProperty("s3proxy.jar"));
        Path properties = Files.writeString(dir.resolve("s3proxy.properties"), String.join("\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=transient"));
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "--properties", properties.toString())
                .redirectErrorStream(true)
                .redirectOutput(jar.resolveSibling("s3proxy.log").toFile())
                .start();
        S3ProxyServer server = new S3ProxyServer(process, endpoint, bucket);
        try {
            server.awaitListening(port);
            try (S3Client client = S3Client.builder()
                    .endpointOverride(URI.create(endpoint))
                    .region(Region.US_EAST_1)
                    .forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY,
                            SECRET_KEY)))
                    .build()) {
                client.createBucket(b -> b.bucket(bucket));
            }
            return server;
        } catch (Exception e) {
            server.close();
            throw e;
        }
    }

    private void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start on port " + port
                            + "; see target/s3proxy/s3proxy.log", notYet);
                }
                Thread.sleep(100);
            }
        }
    }

    /** The s3a settings that reach this server, added to a session being built. */
    public SparkSession.Builder configure(SparkSession.Builder builder) {
        return builder
                .config("spark.hadoop.fs.s3a.endpoint", endpoint)
                .config("spark.hadoop.fs.s3a.endpoint.region", "us-east-1")
                .config("spark.hadoop.fs.s3a.path.style.access", "true")
                .config("spark.hadoop.fs.s3a.connection.ssl.enabled", "false")
                .config("spark.hadoop.fs.s3a.access.key", ACCESS_KEY)
                .config("spark.hadoop.fs.s3a.secret.key", SECRET_KEY)
                .config("spark.hadoop.fs.s3a.aws.credentials.provider",
                        "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    }

    /** {@code s3a://<bucket>/<key>}. */
    public String url(String key) {
        return "s3a://" + bucket + "/" + key;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
