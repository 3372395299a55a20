package dev.cdiff.diffusion.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripKeepsValuesShapesDtypesAndMetadata() {
        Path file = tmp.resolve("a.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put("z.weight", m.create(new float[] {1.5f, -2.25f, 3e-7f, 65504f, 1e9f, -0f}, new Shape(2, 3)));
            tensors.put("a.ids", m.create(new long[] {1, -2, 1L << 40}, new Shape(3)));
            tensors.put("m.scalar", m.create(new float[] {7f}, new Shape()));
            SafeTensors.write(file, tensors, Map.of("format", "pt", "note", "hello"), false);
            try (SafeTensors st = SafeTensors.open(file)) {
                assertEquals(java.util.List.of("a.ids", "m.scalar", "z.weight"), new java.util.ArrayList<>(st.names()));
                assertEquals("hello", st.metadata().get("note"));
                assertEquals("F32", st.info("z.weight").dtype());
                assertEquals("I64", st.info("a.ids").dtype());
                assertArrayEquals(new long[] {2, 3}, st.info("z.weight").shape());
                NDArray w = st.load("z.weight", m);
                assertEquals(DataType.FLOAT32, w.getDataType());
                assertArrayEquals(tensors.get("z.weight").toFloatArray(), w.toFloatArray());
                NDArray ids = st.load("a.ids", m);
                assertEquals(DataType.INT64, ids.getDataType());
                assertArrayEquals(new long[] {1, -2, 1L << 40}, ids.toLongArray());
                assertEquals(new Shape(), st.load("m.scalar", m).getShape());
            }
        }
    }

    @Test
    void fp16WriteRoundsAndWidensBack() {
        Path file = tmp.resolve("h.safetensors");
        float[] values = {1f, -0.333333f, 65504f, 70000f, 6e-8f, 1e-3f};
        try (NDManager m = NDManager.newBaseManager()) {
            SafeTensors.write(file, Map.of("x", m.create(values)), Map.of(), true);
            try (SafeTensors st = SafeTensors.open(file)) {
                assertEquals("F16", st.info("x").dtype());
                float[] back = st.loadFloats("x");
                float[] expected = {1f, -0.33325195f, 65504f, Float.POSITIVE_INFINITY, 5.9604645e-8f, 0.0010004044f};
                assertArrayEquals(expected, back);
                assertTrue(st.metadata().isEmpty());
            }
        }
    }

    @Test
    void bf16AndF64AndI32AreWidened() throws IOException {
        Path file = tmp.resolve("b.safetensors");
        // hand-written file: the writer never produces these types
        String header = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[4,12]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[12,20]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + 20).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h);
        buf.putShort((short) (Float.floatToIntBits(1.5f) >>> 16));
        buf.putShort((short) (Float.floatToIntBits(-3.0f) >>> 16));
        buf.putDouble(0.1);
        buf.putInt(-5).putInt(123456);
        Files.write(file, buf.array());
        try (NDManager m = NDManager.newBaseManager(); SafeTensors st = SafeTensors.open(file)) {
            NDArray b = st.load("b", m);
            assertEquals(DataType.FLOAT32, b.getDataType());
            assertArrayEquals(new float[] {1.5f, -3f}, b.toFloatArray());
            assertArrayEquals(new float[] {0.1f}, st.load("d", m).toFloatArray());
            NDArray i = st.load("i", m);
            assertEquals(DataType.INT64, i.getDataType());
            assertArrayEquals(new long[] {-5, 123456}, i.toLongArray());
            // the stored bytes of a float64 tensor, unconverted, in a buffer the engine can use in place
            ByteBuffer raw = st.readF64Direct("d");
            assertTrue(raw.isDirect());
            assertEquals(8, raw.remaining());
            assertEquals(0.1, raw.order(ByteOrder.LITTLE_ENDIAN).getDouble(0));
            assertThrows(SafeTensorsFormatException.class, () -> st.readF64Direct("b"));
        }
    }

    @Test
    void halfConversionMatchesKnownBitPatterns() {
        assertEquals((short) 0x3c00, HalfFloat.floatToHalf(1f));
        assertEquals((short) 0xc000, HalfFloat.floatToHalf(-2f));
        assertEquals((short) 0x0001, HalfFloat.floatToHalf(5.9604645e-8f));
        assertEquals((short) 0x7bff, HalfFloat.floatToHalf(65504f));
        assertEquals(0.5f, HalfFloat.halfToFloat((short) 0x3800));
        assertEquals(6.1035156e-5f, HalfFloat.halfToFloat((short) 0x0400));
        for (int bits = 0; bits < 0x7c00; bits++) {
            float f = HalfFloat.halfToFloat((short) bits);
            assertEquals((short) bits, HalfFloat.floatToHalf(f), "half bits " + bits);
        }
    }

    @Test
    void rejectsCorruptHeaderAndUnknownDtype() throws IOException {
        Path bad = tmp.resolve("bad.safetensors");
        Files.write(bad, new byte[] {(byte) 0xff, 0, 0, 0, 0, 0, 0, 0x7f, 1, 2});
        assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.open(bad));
        String header = "{\"x\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + 1).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h).put((byte) 0);
        Path unknown = tmp.resolve("u.safetensors");
        Files.write(unknown, buf.array());
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.open(unknown));
        assertTrue(e.getMessage().contains("F8_E4M3"), e.getMessage());
    }
}
