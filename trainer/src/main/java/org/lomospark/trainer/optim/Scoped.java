package org.lomospark.trainer.optim;

import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;

/**
 * Native work with autograd off inside its own {@code PointerScope}: every tensor and scalar it makes is freed
 * on exit (libtorch memory is invisible to the GC), except what it retains on purpose.
 */
final class Scoped {
    private Scoped() {}

    @SuppressWarnings("try") // both resources act by being open
    static void run(Runnable body) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            body.run();
        }
    }

    @SuppressWarnings("try") // both resources act by being open
    static <T> T call(Supplier<T> body) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            return body.get();
        }
    }
}
