package org.lomospark.pipeline.store;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * The driver's Hadoop settings as key/value pairs that travel to executor tasks ({@code Configuration} is not
 * serializable); an executor rebuilds a {@code Configuration} from them to reach {@code s3a://} and the like.
 * They may hold credentials, so {@link #toString()} shows only how many there are.
 */
public record HadoopSettings(Map<String, String> values) implements Serializable {
    private static final long serialVersionUID = 1L;

    public HadoopSettings {
        values = Map.copyOf(values);
    }

    public static HadoopSettings of(Configuration conf) {
        Map<String, String> all = new HashMap<>();
        conf.forEach(e -> all.put(e.getKey(), e.getValue()));
        return new HadoopSettings(all);
    }

    public Configuration configuration() {
        Configuration conf = new Configuration(false);
        values.forEach(conf::set);
        return conf;
    }

    @Override
    public String toString() {
        return "HadoopSettings[" + values.size() + " keys]";
    }
}
