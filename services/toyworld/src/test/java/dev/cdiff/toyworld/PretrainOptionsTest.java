package dev.cdiff.toyworld;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What {@code toyworld pretrain}'s architecture options make of a new folder. */
class PretrainOptionsTest {
    private static ToyWorldCommand.Pretrain parse(String... args) {
        ToyWorldCommand.Pretrain p = new ToyWorldCommand.Pretrain();
        new CommandLine(p).parseArgs(args);
        return p;
    }

    @Test
    void withoutOptionsANewFolderGetsTheCommittedFactorFourVae() {
        var spec = parse("--out", "m").newFolderSpec();
        assertArrayEquals(new int[] {32, 64, 64}, spec.vaeChannels());
        assertEquals(8, spec.latentSize());
        assertEquals(16, spec.latentChannels());
    }

    @Test
    void vaeChannelsReplaceTheDefaultBlocksRatherThanAddingToThem() {
        var spec = parse("--out", "m", "--vae-channels", "32,64", "--latent-channels", "8").newFolderSpec();
        assertArrayEquals(new int[] {32, 64}, spec.vaeChannels());
        assertEquals(16, spec.latentSize());
        assertEquals(8, spec.latentChannels());
    }

    @Test
    void vaeChannelsTheVaesGroupNormCannotSplitAreRefusedNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> parse("--out", "m", "--vae-channels", "32,60").newFolderSpec());
        assertTrue(e.getMessage().contains("vae channel 60"), e.getMessage());
    }
}
