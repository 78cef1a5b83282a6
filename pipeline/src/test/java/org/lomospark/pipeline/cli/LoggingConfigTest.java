package org.lomospark.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.junit.jupiter.api.Test;

/** What conf/log4j2.properties (bin/lomo-spark's logging) lets through: Spark at WARN, none of the known noise. */
class LoggingConfigTest {
    @Test
    void theLaunchersLoggingShowsWarningsButNotTheKnownNoise() {
        Path file = Path.of("..", "conf", "log4j2.properties").toAbsolutePath().normalize();
        // read into a context of its own: this JVM's logging stays as it is
        LoggerContext context = new LoggerContext("LoggingConfigTest");
        try {
            Configuration config = new PropertiesConfigurationFactory().getConfiguration(context,
                    ConfigurationSource.fromUri(file.toUri()));
            config.initialize();
            assertEquals(Level.WARN, config.getLoggerConfig("org.apache.spark.SparkContext").getLevel());
            assertEquals(Level.WARN, config.getLoggerConfig("org.apache.spark.scheduler.TaskSetManager").getLevel());
            // Hadoop's missing native library and DJL's CUDA probe (it needs no GPU) are not news
            assertEquals(Level.ERROR, config.getLoggerConfig("org.apache.hadoop.util.NativeCodeLoader").getLevel());
            assertEquals(Level.ERROR, config.getLoggerConfig("ai.djl.util.cuda.CudaUtils").getLevel());
            assertEquals(Level.WARN, config.getLoggerConfig("ai.djl.huggingface.tokenizers").getLevel());
        } finally {
            context.stop();
        }
    }
}
