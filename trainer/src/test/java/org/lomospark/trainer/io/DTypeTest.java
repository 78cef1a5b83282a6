package org.lomospark.trainer.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.lomospark.trainer.tensor.Tensors;

@ExtendWith(NativeScope.class)
class DTypeTest {

    @Test
    void everyDtypeMapsToItsScalarTypeAndBack() {
        assertEquals(ScalarType.Float, DType.F32.scalarType());
        assertEquals(ScalarType.Char, DType.I8.scalarType());
        assertEquals(ScalarType.Byte, DType.U8.scalarType());
        assertEquals(ScalarType.Bool, DType.BOOL.scalarType());
        for (DType d : DType.values()) {
            assertEquals(d, DType.of(d.scalarType()));
        }
    }

    @Test
    void scalarTypeFromNativeCodeIsRecognised() {
        for (DType d : DType.values()) {
            // Not interned: the enum constant native code hands back.
            assertEquals(d, DType.of(IoTesting.random(d, 0, 2).scalar_type()));
        }
    }

    @Test
    void byteSizesMatchLibtorch() {
        for (DType d : DType.values()) {
            assertEquals(d.byteSize(), IoTesting.random(d, 0, 1).element_size(), d.name());
        }
    }

    @Test
    void unsupportedScalarTypeIsAnIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> DType.of(ScalarType.Double));
        assertThrows(IllegalArgumentException.class, () -> DType.of(ScalarType.Float8_e4m3fn));
    }

    @Test
    void tensorsDtypeHelperAgrees() {
        assertEquals(DType.BF16, DType.of(Tensors.dtype(IoTesting.random(DType.BF16, 0, 1))));
    }
}
