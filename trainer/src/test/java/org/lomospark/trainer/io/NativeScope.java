package org.lomospark.trainer.io;

import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs each test inside a {@link PointerScope}: every tensor the test makes is freed when it ends, so
 * tests read like the code they test instead of nesting try-with-resources around each tensor.
 */
final class NativeScope implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NativeScope.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("scope", new PointerScope());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        context.getStore(NS).remove("scope", PointerScope.class).close();
    }
}
