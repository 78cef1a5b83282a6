package org.lomospark.trainer.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A recipe's settings by name read back into the same recipe: what a run records is what it trained with. */
class SettingsValuesTest {
    @Test
    void theValuesOfARecipeReadBackIntoTheSameRecipe() {
        Recipe r = Settings.named(Map.of("optimizer", "lomo", "lr", "0.003", "schedule", "cosine",
                "micro-batches", 1, "clip-value", 0.5, "weight-decay", 0.01, "strategy", "hook", "batch", 6,
                "rendezvous-timeout", "90s", "init-from", "models/base"), n -> n, "data", 48);
        Map<String, Object> values = new LinkedHashMap<>(Settings.values(r));
        assertEquals("lomo", values.get("optimizer"));
        assertEquals(0.003, values.get("lr"));
        assertEquals(48, values.remove("seq"));
        assertEquals(r, Settings.named(values, n -> n, "data", 48));
        // every recipe setting is recorded, and nothing else
        Map<String, Object> defaults = Settings.values(Settings.defaults("data", 48));
        assertFalse(defaults.containsKey("init-from"), "unset");
        for (Settings.Key k : Settings.keys()) {
            assertEquals(!k.name().equals("init-from"), defaults.containsKey(k.name()), k.name());
        }
        assertEquals(Settings.keys().size(), defaults.size(), "less init-from, with seq: " + defaults);
    }
}
