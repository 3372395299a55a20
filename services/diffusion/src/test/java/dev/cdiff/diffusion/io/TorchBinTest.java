package dev.cdiff.diffusion.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TorchBinTest {
    private static final String K = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.processor.to_k_custom_diffusion.weight";
    private static final String V = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.processor.to_v_custom_diffusion.weight";

    @TempDir
    Path tmp;

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(TorchBinTest.class.getResource("/torchbin/" + name).toURI());
    }

    @Test
    void readsTorchSavedWeightsIncludingAStridedViewAndHalfPrecision() throws Exception {
        Map<String, Object> w = TorchBin.read(fixture("weights.bin"));
        assertEquals(List.of(K, V, "half"), List.copyOf(w.keySet()));
        TorchBin.Tensor k = (TorchBin.Tensor) w.get(K);
        assertArrayEquals(new long[] {3, 4}, k.shape());
        assertEquals(11 / 8f, k.values()[11]);
        // (arange(12).reshape(4,3)/4).t(): row i is column i of the 4x3 matrix
        TorchBin.Tensor v = (TorchBin.Tensor) w.get(V);
        assertArrayEquals(new float[] {0, 0.75f, 1.5f, 2.25f, 0.25f, 1f, 1.75f, 2.5f, 0.5f, 1.25f, 2f, 2.75f}, v.values());
        TorchBin.Tensor half = (TorchBin.Tensor) w.get("half");
        assertEquals("float16", half.dtype());
        assertArrayEquals(new float[] {1.5f, -2.25f}, half.values());
    }

    @Test
    void readsTheReferenceDeltaLayoutWithNestedDicts() throws Exception {
        Map<String, Object> d = TorchBin.read(fixture("delta.bin"));
        @SuppressWarnings("unchecked")
        Map<String, Object> tokens = (Map<String, Object>) d.get("modifier_token");
        assertArrayEquals(new float[] {0.5f, 0.25f, 0.125f}, ((TorchBin.Tensor) tokens.get("<new1>")).values());
        @SuppressWarnings("unchecked")
        Map<String, Object> unet = (Map<String, Object>) d.get("unet");
        assertArrayEquals(new long[] {2, 2}, ((TorchBin.Tensor) unet.get("a.to_k.weight")).shape());
    }

    @Test
    void aPickleThatCallsAnythingElseIsRefusedNamingTheGlobal() throws Exception {
        TorchBin.UnsafeCheckpointException e = assertThrows(TorchBin.UnsafeCheckpointException.class,
                () -> TorchBin.read(fixture("evil.bin")));
        // protocol 2 spells builtins as __builtin__
        assertTrue(e.getMessage().contains("__builtin__.print"), e.getMessage());
    }

    @Test
    void aLegacyPickleIsRefusedRatherThanRun() throws Exception {
        Path legacy = Files.write(tmp.resolve("old.bin"), new byte[] {(byte) 0x80, 2, 'c', 'o', 's', '\n'});
        TorchBin.UnsafeCheckpointException e = assertThrows(TorchBin.UnsafeCheckpointException.class,
                () -> TorchBin.read(legacy));
        assertTrue(e.getMessage().contains("not a PyTorch zip checkpoint"), e.getMessage());
    }

    @Test
    void writtenFilesReadBack() {
        Map<String, TorchBin.Tensor> t = new LinkedHashMap<>();
        t.put(K, new TorchBin.Tensor("float32", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        t.put("<new1>", new TorchBin.Tensor("float32", new long[] {2}, new float[] {-0.5f, 0.25f}));
        Path f = tmp.resolve("w.bin");
        TorchBin.write(f, t);
        Map<String, Object> back = TorchBin.read(f);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, ((TorchBin.Tensor) back.get(K)).values());
        assertArrayEquals(new long[] {2, 3}, ((TorchBin.Tensor) back.get(K)).shape());
        assertArrayEquals(new float[] {-0.5f, 0.25f}, ((TorchBin.Tensor) back.get("<new1>")).values());
    }
}
