package dev.cdiff.ingestion;

import dev.cdiff.ingestion.normalize.ImageNormalizer;
import dev.cdiff.ingestion.validate.ImageLimits;
import dev.cdiff.ingestion.validate.RejectionReason;
import dev.cdiff.ingestion.validate.SubmissionRejected;
import dev.cdiff.ingestion.validate.SubmissionValidator;
import dev.cdiff.ingestion.validate.SubmittedImage;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConceptPreparerTest {
    private static final int SIDE = 32;
    private final ConceptPreparer preparer = new ConceptPreparer(
            new SubmissionValidator(new ImageLimits(4, 20, 1_000_000, 4_000_000, SIDE, 16)), new ImageNormalizer(SIDE),
            "ktn");

    private static Submission submission(List<SubmittedImage> images, String classWord, List<String> captions) {
        return new Submission("t1", "job-1", "my dog", classWord, null, images, captions, null, "http", null);
    }

    private static List<SubmittedImage> mixed() {
        List<SubmittedImage> images = new ArrayList<>();
        images.add(new SubmittedImage("wide.png", TestImages.png(120, 60, 1)));
        images.add(new SubmittedImage("tall.jpg", TestImages.jpeg(50, 90, 2)));
        images.add(new SubmittedImage("g.webp", TestImages.resource("gradient-96x64.webp")));
        images.add(new SubmittedImage("alpha.webp", TestImages.resource("circle-alpha-40x40.webp")));
        images.add(new SubmittedImage("small.png", TestImages.png(16, 16, 3)));
        return images;
    }

    @Test
    void normalisesEveryFormatToSquareRgbPng() throws Exception {
        AcceptedConcept concept = preparer.prepare(submission(mixed(), "Dog", List.of()));
        assertEquals("dog", concept.classWord());
        assertEquals("ktn", concept.initializerWord());
        assertEquals(5, concept.images().size());
        for (NormalizedImage image : concept.images()) {
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image.png()));
            assertEquals(SIDE, decoded.getWidth(), image.originalName());
            assertEquals(SIDE, decoded.getHeight(), image.originalName());
            assertEquals(false, decoded.getColorModel().hasAlpha(), image.originalName());
            assertEquals(dev.cdiff.ingestion.validate.SubmissionValidator.sha256Hex(image.png()), image.sha256());
        }
        // transparent corners of the alpha WebP become white, its opaque centre stays green
        BufferedImage alpha = ImageIO.read(new ByteArrayInputStream(concept.images().get(3).png()));
        assertEquals(0xFFFFFF, alpha.getRGB(0, 0) & 0xFFFFFF);
        int centre = alpha.getRGB(SIDE / 2, SIDE / 2);
        assertTrue(((centre >> 8) & 0xFF) > 150 && ((centre >> 16) & 0xFF) < 60, Integer.toHexString(centre));
    }

    @Test
    void centreCropKeepsTheMiddleOfAWideImage() throws Exception {
        // left third red, middle third green, right third blue: the square crop must be mostly green
        BufferedImage wide = new BufferedImage(300, 100, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 300; x++) {
            for (int y = 0; y < 100; y++) {
                wide.setRGB(x, y, x < 100 ? 0xFF0000 : x < 200 ? 0x00FF00 : 0x0000FF);
            }
        }
        List<SubmittedImage> images = new ArrayList<>(TestImages.distinctPngs(3, 20, 20));
        images.add(new SubmittedImage("flag.png", TestImages.encode(wide, "png")));
        AcceptedConcept concept = preparer.prepare(submission(images, "flag", List.of()));
        BufferedImage out = ImageIO.read(new ByteArrayInputStream(concept.images().get(3).png()));
        assertEquals(0x00FF00, out.getRGB(2, SIDE / 2) & 0xFFFFFF);
        assertEquals(0x00FF00, out.getRGB(SIDE - 3, SIDE / 2) & 0xFFFFFF);
    }

    @Test
    void conceptIdIgnoresOrderButNotClassWord() throws Exception {
        List<SubmittedImage> images = mixed();
        String id1 = preparer.prepare(submission(images, "dog", List.of())).conceptId();
        List<SubmittedImage> shuffled = new ArrayList<>(images);
        Collections.reverse(shuffled);
        assertEquals(id1, preparer.prepare(submission(shuffled, "dog", List.of())).conceptId());
        assertNotEquals(id1, preparer.prepare(submission(images, "cat", List.of())).conceptId());
    }

    @Test
    void rejectsTheSamePictureInTwoEncodings() {
        List<SubmittedImage> images = new ArrayList<>(TestImages.distinctPngs(4, 20, 20));
        // the same pixels as img-0.png written at twice the size: a different file, the same training image
        images.add(new SubmittedImage("again.png", TestImages.encode(
                upscale(TestImages.picture(20, 20, 1, BufferedImage.TYPE_INT_RGB)), "png")));
        SubmissionRejected e = assertThrows(SubmissionRejected.class,
                () -> new ConceptPreparer(new SubmissionValidator(new ImageLimits(4, 20, 1_000_000, 4_000_000, 10, 16)),
                        new ImageNormalizer(10), "ktn").prepare(submission(images, "dog", List.of())));
        // either identical after normalisation, or at least never silently accepted as 5 distinct images
        assertEquals(RejectionReason.DUPLICATE_IMAGE, e.reason(), e.getMessage());
    }

    private static BufferedImage upscale(BufferedImage src) {
        BufferedImage out = new BufferedImage(src.getWidth() * 2, src.getHeight() * 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < out.getHeight(); y++) {
            for (int x = 0; x < out.getWidth(); x++) {
                out.setRGB(x, y, src.getRGB(x / 2, y / 2));
            }
        }
        return out;
    }

    @Test
    void captionsMustBeOnePerImage() throws Exception {
        List<SubmittedImage> images = TestImages.distinctPngs(4, 20, 20);
        SubmissionRejected e = assertThrows(SubmissionRejected.class,
                () -> preparer.prepare(submission(images, "dog", List.of("a", "b"))));
        assertEquals(RejectionReason.INVALID_CAPTIONS, e.reason());
        assertEquals(List.of("a", "b", "c", "d"),
                preparer.prepare(submission(images, "dog", List.of(" a", "b ", "c", "d"))).captions());
    }

    @Test
    void aTruncatedJpegIsRefusedInsteadOfTrainedOnHalfGrey() {
        byte[] whole = TestImages.jpeg(96, 96, 5);
        for (byte[] cut : List.of(java.util.Arrays.copyOf(whole, whole.length / 2),
                java.util.Arrays.copyOf(whole, whole.length - 2))) {
            List<SubmittedImage> images = new ArrayList<>(TestImages.distinctPngs(3, 20, 20));
            images.add(new SubmittedImage("cut.jpg", cut));
            SubmissionRejected e = assertThrows(SubmissionRejected.class,
                    () -> preparer.prepare(submission(images, "dog", List.of())));
            assertEquals(RejectionReason.TRUNCATED_IMAGE, e.reason(), e.getMessage());
            assertEquals(List.of("cut.jpg"), e.offendingItems());
            assertTrue(e.getMessage().contains("not a complete JPEG"), e.getMessage());
        }
        List<SubmittedImage> complete = new ArrayList<>(TestImages.distinctPngs(3, 20, 20));
        complete.add(new SubmittedImage("whole.jpg", whole));
        assertDoesNotThrow(() -> preparer.prepare(submission(complete, "dog", List.of())));
    }

    @Test
    void missingClassWordIsRejectedBeforeImagesAreRead() {
        SubmissionRejected e = assertThrows(SubmissionRejected.class,
                () -> preparer.prepare(submission(TestImages.distinctPngs(2, 8, 8), "", List.of())));
        assertEquals(RejectionReason.MISSING_CLASS_WORD, e.reason());
    }
}
