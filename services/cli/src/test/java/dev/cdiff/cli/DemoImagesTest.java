package dev.cdiff.cli;

import dev.cdiff.cli.client.NamedImage;
import dev.cdiff.cli.demo.DemoConcept;
import dev.cdiff.cli.demo.DemoImageWriter;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class DemoImagesTest {

    @Test
    void bundledPicturesAreExactlyWhatTheToyWorldGeneratorDraws() {
        for (DemoConcept concept : DemoConcept.values()) {
            List<NamedImage> bundled = concept.images();
            List<byte[]> drawn = DemoImageWriter.render(concept);
            assertEquals(DemoConcept.IMAGES, bundled.size());
            for (int i = 0; i < bundled.size(); i++) {
                assertArrayEquals(drawn.get(i), bundled.get(i).bytes(), concept.folder() + " picture " + (i + 1)
                        + " differs from the generator: rerun DemoImageWriter");
            }
        }
    }

    @Test
    void everyBundledPictureIsADistinctReadablePng() throws Exception {
        Set<String> distinct = new HashSet<>();
        for (DemoConcept concept : DemoConcept.values()) {
            for (NamedImage image : concept.images()) {
                BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image.bytes()));
                assertNotNull(decoded, image.name());
                assertEquals(DemoImageWriter.SIDE, decoded.getWidth());
                distinct.add(java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(image.bytes())));
            }
        }
        // ingestion rejects duplicate uploads, so each concept's pictures must all differ
        assertEquals(DemoConcept.values().length * DemoConcept.IMAGES, distinct.size());
    }
}
