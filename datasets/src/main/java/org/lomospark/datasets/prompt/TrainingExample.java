package org.lomospark.datasets.prompt;

/**
 * A tokenized prompt with its gold answer: {@code bos, prompt..., answer..., eos}.
 *
 * <p>{@code lossMask[i]} is true where token {@code i} is an answer token, the only tokens the loss is on
 * (the trainer shifts: the logits at {@code i - 1} predict token {@code i}). The eos is not in the loss:
 * evaluation never scores it.
 *
 * @param id the {@link Rendered#group()} it came from
 */
public record TrainingExample(String task, String id, int[] tokens, boolean[] lossMask) {
    public TrainingExample {
        if (tokens.length != lossMask.length) {
            throw new IllegalArgumentException(task + " " + id + ": " + tokens.length + " tokens but "
                    + lossMask.length + " mask entries");
        }
    }
}
