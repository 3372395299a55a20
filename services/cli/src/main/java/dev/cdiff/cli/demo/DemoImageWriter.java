package dev.cdiff.cli.demo;

import dev.cdiff.toyworld.image.PngCodec;
import dev.cdiff.toyworld.world.Sample;
import dev.cdiff.toyworld.world.ToyWorld;
import dev.cdiff.toyworld.world.WorldConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Draws the bundled demo pictures with the toy-world generator. Run once to (re)write the committed PNGs:
 * {@code DemoImageWriter services/cli/src/main/resources/demo}. The generator is deterministic, so the same seed
 * always gives byte-identical files (a test checks the committed ones against it).
 */
public final class DemoImageWriter {
    public static final long SEED = 7;
    /** Drawn larger than the demo model's 32 px so they are pleasant to look at; ingestion scales them down. */
    public static final int SIDE = 64;

    private DemoImageWriter() {
    }

    /** PNG bytes of the concept's bundled pictures, in order. */
    public static List<byte[]> render(DemoConcept concept) {
        ToyWorld world = new ToyWorld(WorldConfig.defaults().withImageSize(SIDE));
        return world.conceptTargets(concept.world(), DemoConcept.IMAGES, SEED).stream()
                .map(Sample::image).map(PngCodec::encode).toList();
    }

    public static void write(Path root) throws IOException {
        for (DemoConcept concept : DemoConcept.values()) {
            Path dir = Files.createDirectories(root.resolve(concept.folder()));
            List<byte[]> pngs = render(concept);
            for (int i = 0; i < pngs.size(); i++) {
                Files.write(dir.resolve(DemoConcept.fileName(i)), pngs.get(i));
            }
        }
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "services/cli/src/main/resources/demo");
        write(root);
        System.out.println("wrote " + DemoConcept.values().length * DemoConcept.IMAGES + " demo images under " + root);
    }
}
