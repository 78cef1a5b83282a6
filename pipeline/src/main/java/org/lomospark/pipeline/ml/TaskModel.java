package org.lomospark.pipeline.ml;

import java.io.IOException;
import java.io.Serializable;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.lomospark.datasets.prepare.TokenizerSpec;
import org.lomospark.datasets.tokenize.Tokenizer;
import org.lomospark.pipeline.eval.LocalModel;
import org.lomospark.pipeline.store.HadoopSettings;
import org.lomospark.pipeline.train.TaskDevice;

/**
 * What a {@link LomoModel} task needs to use the fitted model: where it is, the Hadoop settings to read it, the
 * broadcast tokenizer, and the device and dtype to load it on ({@link TaskDevice}). Scoring and generation both
 * take their model this way.
 */
record TaskModel(String location, HadoopSettings hadoop, Broadcast<TokenizerSpec.Loaded> shared, String device,
                 String dtype) implements Serializable {
    private static final long serialVersionUID = 1L;

    Tokenizer tokenizer() {
        return shared.value().tokenizer();
    }

    /** Loads the model once on this task's device and hands it to {@code use}. */
    <T> T use(LocalModel.Use<T> use) throws IOException {
        return LocalModel.use(location, hadoop, TaskDevice.of(TaskContext.get(), device, dtype), use);
    }
}
