package dev.cdiff.diffusion.delta;

import dev.cdiff.diffusion.training.TokenInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiffusersBinTest {
    private static final String K = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight";
    private static final String V = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_v.weight";

    @TempDir
    Path tmp;

    @Test
    void aFolderOfTorchSavedBinFilesImportsAsADelta() throws Exception {
        Path dir = Path.of(DiffusersBinTest.class.getResource("/torchbin/diffusers-folder").toURI());
        Delta d = DiffusersExport.importFolder(dir, "abc");
        assertEquals(List.of(K, V), List.copyOf(d.layers().keySet()));
        assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f, 2, 2.5f}, ((LayerWeight.Full) d.layers().get(K)).weight());
        // torch negates 0 to -0.0; a zero tolerance compares it equal to 0
        assertArrayEquals(new float[] {0, -1, -2, -3, -4, -5}, ((LayerWeight.Full) d.layers().get(V)).weight(), 0f);
        assertArrayEquals(new float[] {0.5f, -0.5f, 0.25f}, d.tokenEmbeddings().get("<new1>"));
    }

    @Test
    void exportWithBinWritesBinFilesThatImportAloneToTheSameDelta() throws Exception {
        Map<String, LayerWeight> layers = new TreeMap<>();
        layers.put(K, new LayerWeight.Full(2, 3, new float[] {1, 2, 3, 4, 5, 6}));
        layers.put(V, new LayerWeight.Full(2, 3, new float[] {-1, -2, -3, -4, -5, -6}));
        Delta d = new Delta(layers, Map.of("<new1>", new float[] {0.1f, 0.2f, 0.3f}),
                DeltaMetadata.of(DeltaKind.FULL, "abc", List.of(new TokenInfo("<new1>", "c", "dog", "ktn")), null, 1L));
        Path dir = tmp.resolve("out");
        DiffusersExport.export(d, k -> null, List.of("down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor"),
                dir, true);
        assertTrue(Files.isRegularFile(dir.resolve(DiffusersExport.WEIGHTS_BIN_FILE)));
        Files.delete(dir.resolve(DiffusersExport.WEIGHTS_FILE));
        Files.delete(dir.resolve("<new1>.safetensors"));
        Delta back = DiffusersExport.importFolder(dir, "abc");
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, ((LayerWeight.Full) back.layers().get(K)).weight());
        assertArrayEquals(new float[] {-1, -2, -3, -4, -5, -6}, ((LayerWeight.Full) back.layers().get(V)).weight());
        assertArrayEquals(new float[] {0.1f, 0.2f, 0.3f}, back.tokenEmbeddings().get("<new1>"));
    }
}
