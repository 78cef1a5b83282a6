package org.lomospark.trainer.recipe;

import java.io.IOException;
import java.io.Serializable;
import org.lomospark.trainer.model.LlamaConfig;

/**
 * The model a recipe trains: its architecture and where its first weights come from.
 *
 * @param preset a preset name ({@code tiny}, {@code llama-7b}, ...) or a local {@code config.json}
 * @param initFrom a local Hugging Face checkpoint directory to start from, or null for random init by seed
 * @param tokens the special token ids of the tokenizer the data was made with, recorded in every checkpoint's
 *               and the export's config.json; null keeps the config's own
 */
public record BaseModel(String preset, String initFrom, LlamaConfig.SpecialTokens tokens) implements Serializable {
    public BaseModel {
        Settings.require(preset != null && !preset.isBlank(), "model", preset, "a preset name or a config.json");
        initFrom = initFrom == null || initFrom.isBlank() ? null : initFrom;
    }

    public BaseModel(String preset, String initFrom) {
        this(preset, initFrom, null);
    }

    /** This model with the data's tokenizer's special token ids. */
    public BaseModel withTokens(LlamaConfig.SpecialTokens ids) {
        return new BaseModel(preset, initFrom, ids);
    }

    /** The architecture: the preset, or the {@code config.json} {@link #preset()} names, with {@link #tokens()}. */
    public LlamaConfig config() throws IOException {
        LlamaConfig c = LlamaConfig.of(preset);
        return tokens == null ? c : c.withTokens(tokens);
    }
}
