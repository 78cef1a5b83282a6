package org.lomospark.trainer.recipe;

import java.io.IOException;
import java.io.Serializable;
import org.lomospark.trainer.model.LlamaConfig;

/**
 * The model a recipe trains: its architecture and where its first weights come from.
 *
 * @param preset a preset name ({@code tiny}, {@code llama-7b}, ...) or a local {@code config.json}
 * @param initFrom a local Hugging Face checkpoint directory to start from, or null for random init by seed
 */
public record BaseModel(String preset, String initFrom) implements Serializable {
    public BaseModel {
        Settings.require(preset != null && !preset.isBlank(), "model", preset, "a preset name or a config.json");
        initFrom = initFrom == null || initFrom.isBlank() ? null : initFrom;
    }

    /** The architecture: the preset, or the {@code config.json} {@link #preset()} names. */
    public LlamaConfig config() throws IOException {
        return LlamaConfig.of(preset);
    }
}
