package org.lomospark.pipeline.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * sbt builds the project as it is ({@code bin/sbt}: project/LomoBuild.scala over the poms through sbt-pom-reader)
 * and, module by module, runs as many tests as Maven's surefire ran for that module in this build (its test phase,
 * not the *IT tests), none failing. Runs in the pipeline's integration tests, after every other module's tests
 * (the root pom lists the pipeline last).
 */
class SbtBuildIT {
    private static final Path CHECKOUT = Path.of("..").toAbsolutePath().normalize();
    /** sbt's summary line: {@code Passed: Total 230, Failed 0, Errors 0, Passed 230}. */
    private static final Pattern SUMMARY = Pattern.compile(
            "(Passed|Failed|Error): Total (\\d+), Failed (\\d+), Errors (\\d+), Passed (\\d+)");

    @Test
    void sbtCompilesEveryModuleAndRunsAsManyTestsAsMavenInEach() throws Exception {
        List<String> modules = List.of("trainer", "datasets", "bench", "pipeline");
        List<String> commands = new ArrayList<>(List.of("compile"));
        modules.forEach(m -> commands.add(m + "/test"));
        // one sbt, its commands in order: a test summary per module, in the modules' order
        String out = sbt(commands);
        Matcher m = SUMMARY.matcher(out);
        for (String module : modules) {
            int maven = mavenTests(CHECKOUT.resolve(module).resolve("target/surefire-reports"));
            assertTrue(maven > 0, "Maven ran no " + module + " tests before this");
            assertTrue(m.find(), "no test summary from sbt " + module + "/test:\n" + tail(out));
            assertEquals(List.of("0", "0"), List.of(m.group(3), m.group(4)), tail(out));
            assertEquals(maven, Integer.parseInt(m.group(2)), "sbt ran " + m.group(2) + " " + module + " tests, "
                    + "Maven " + maven + ":\n" + tail(out));
        }
    }

    /** Runs bin/sbt with these commands; its output, once it exited 0. */
    private static String sbt(List<String> commands) throws Exception {
        Path log = Path.of("target", "sbt-build.log").toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of(CHECKOUT.resolve("bin/sbt").toString()));
        cmd.addAll(commands);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(CHECKOUT.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // sbt's boot directory and caches in the build directory: a test writes nowhere else
        pb.environment().put("LOMO_SBT_HOME", CHECKOUT.resolve("target/sbt-home").toString());
        Process sbt = pb.start();
        boolean done = sbt.waitFor(30, TimeUnit.MINUTES);
        if (!done) {
            sbt.destroyForcibly();
        }
        String out = Files.readString(log);
        assertTrue(done, "sbt " + commands + " still running after 30 minutes:\n" + tail(out));
        assertEquals(0, sbt.exitValue(), "sbt " + commands + " failed:\n" + tail(out));
        return out;
    }

    /** The tests surefire's test phase ran in a module: the sum over its reports (the *IT ones are named -it). */
    private static int mavenTests(Path reports) throws Exception {
        int tests = 0;
        List<Path> files;
        try (var list = Files.list(reports)) {
            files = list.filter(f -> f.getFileName().toString().matches("TEST-.*(?<!-it)\\.xml")).toList();
        }
        for (Path f : files) {
            Element suite = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(f.toFile())
                    .getDocumentElement();
            tests += Integer.parseInt(suite.getAttribute("tests")) - Integer.parseInt(suite.getAttribute("skipped"));
        }
        return tests;
    }

    private static String tail(String s) {
        return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
    }
}
