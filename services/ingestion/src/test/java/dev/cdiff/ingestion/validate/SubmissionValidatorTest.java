package dev.cdiff.ingestion.validate;

import dev.cdiff.ingestion.TestImages;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubmissionValidatorTest {
    private final SubmissionValidator validator = new SubmissionValidator(new ImageLimits(4, 20, 200_000, 1_000_000, 64, 8));

    @Test
    void sniffsFormatsByContentOnly() {
        assertEquals(ImageFormat.PNG, ImageFormat.sniff(TestImages.png(8, 8, 1)).orElseThrow());
        assertEquals(ImageFormat.JPEG, ImageFormat.sniff(TestImages.jpeg(8, 8, 1)).orElseThrow());
        assertEquals(ImageFormat.WEBP, ImageFormat.sniff(TestImages.resource("gradient-96x64.webp")).orElseThrow());
        assertTrue(ImageFormat.sniff(TestImages.encode(TestImages.picture(8, 8, 1,
                java.awt.image.BufferedImage.TYPE_INT_RGB), "bmp")).isEmpty());
        assertTrue(ImageFormat.sniff("GIF89a....".getBytes(StandardCharsets.US_ASCII)).isEmpty());
        assertTrue(ImageFormat.sniff(new byte[0]).isEmpty());
    }

    @Test
    void acceptsMixedFormatsAndReadsHeaders() throws Exception {
        List<SubmittedImage> images = new ArrayList<>(TestImages.distinctPngs(2, 30, 20));
        images.add(new SubmittedImage("c.jpg", TestImages.jpeg(50, 40, 7)));
        images.add(new SubmittedImage("d.webp", TestImages.resource("gradient-96x64.webp")));
        List<ValidatedImage> ok = validator.validate(images);
        assertEquals(4, ok.size());
        assertEquals(new ImageHeader(ImageFormat.JPEG, 50, 40), ok.get(2).header());
        assertEquals(new ImageHeader(ImageFormat.WEBP, 96, 64), ok.get(3).header());
        assertEquals(64, ok.get(0).sourceSha256().length());
    }

    @Test
    void rejectsAnImageBelowTheMinimumSide() throws Exception {
        SubmissionValidator defaults = new SubmissionValidator(ImageLimits.defaults());
        List<SubmittedImage> images = new ArrayList<>(TestImages.distinctPngs(3, 64, 64));
        images.add(new SubmittedImage("tiny.png", TestImages.png(8, 8, 77)));
        SubmissionRejected e = assertThrows(SubmissionRejected.class, () -> defaults.validate(images));
        assertEquals(RejectionReason.IMAGE_TOO_SMALL, e.reason());
        assertEquals(List.of("tiny.png"), e.offendingItems());
        assertTrue(e.getMessage().contains("8x8") && e.getMessage().contains("at least 64"), e.getMessage());

        images.set(3, new SubmittedImage("strip.png", TestImages.png(640, 63, 78)));
        assertEquals(RejectionReason.IMAGE_TOO_SMALL, assertThrows(SubmissionRejected.class,
                () -> defaults.validate(images)).reason(), "the shorter side counts");
        images.set(3, new SubmittedImage("edge.png", TestImages.png(64, 200, 79)));
        assertEquals(4, defaults.validate(images).size(), "exactly the minimum is enough");
    }

    @Test
    void rejectsTooFewAndTooMany() {
        SubmissionRejected few = assertThrows(SubmissionRejected.class,
                () -> validator.validate(TestImages.distinctPngs(3, 8, 8)));
        assertEquals(RejectionReason.TOO_FEW_IMAGES, few.reason());
        assertTrue(few.getMessage().contains("at least 4"), few.getMessage());
        SubmissionRejected many = assertThrows(SubmissionRejected.class,
                () -> validator.validate(TestImages.distinctPngs(21, 8, 8)));
        assertEquals(RejectionReason.TOO_MANY_IMAGES, many.reason());
        assertTrue(many.getMessage().contains("at most 20"), many.getMessage());
    }

    @Test
    void rejectsAFileDisguisedByItsName() {
        List<SubmittedImage> images = new ArrayList<>(TestImages.distinctPngs(3, 8, 8));
        images.add(new SubmittedImage("holiday.jpg", "#!/bin/sh\necho not an image\n".getBytes(StandardCharsets.UTF_8)));
        SubmissionRejected e = assertThrows(SubmissionRejected.class, () -> validator.validate(images));
        assertEquals(RejectionReason.UNSUPPORTED_FORMAT, e.reason());
        assertEquals(List.of("holiday.jpg"), e.offendingItems());
        assertTrue(e.getMessage().contains("'holiday.jpg'"), e.getMessage());
    }

    @Test
    void rejectsAnOversizedFileByBytes() {
        List<SubmittedImage> images = new ArrayList<>(TestImages.distinctPngs(3, 8, 8));
        byte[] big = new byte[200_001];
        System.arraycopy(TestImages.png(8, 8, 99), 0, big, 0, 8);
        images.add(new SubmittedImage("huge.png", big));
        SubmissionRejected e = assertThrows(SubmissionRejected.class, () -> validator.validate(images));
        assertEquals(RejectionReason.IMAGE_TOO_LARGE, e.reason());
        assertTrue(e.getMessage().contains("'huge.png'") && e.getMessage().contains("195.3 KiB"), e.getMessage());
    }

    @Test
    void rejectsADecompressionBombFromItsHeaderAlone() {
        byte[] bomb = TestImages.pngHeaderClaiming(50_000, 50_000);
        assertTrue(bomb.length < 100, "the bomb is tiny on disk: " + bomb.length);
        List<SubmittedImage> images = new ArrayList<>(TestImages.distinctPngs(3, 8, 8));
        images.add(new SubmittedImage("bomb.png", bomb));
        SubmissionRejected e = assertThrows(SubmissionRejected.class, () -> validator.validate(images));
        assertEquals(RejectionReason.IMAGE_TOO_LARGE, e.reason());
        assertTrue(e.getMessage().contains("50000x50000") && e.getMessage().contains("1000000 pixels"),
                e.getMessage());
    }

    @Test
    void rejectsDuplicatesNamingBothFiles() {
        List<SubmittedImage> images = new ArrayList<>(TestImages.distinctPngs(4, 8, 8));
        images.add(new SubmittedImage("copy.png", images.get(1).bytes().clone()));
        SubmissionRejected e = assertThrows(SubmissionRejected.class, () -> validator.validate(images));
        assertEquals(RejectionReason.DUPLICATE_IMAGE, e.reason());
        assertEquals(List.of("img-1.png", "copy.png"), e.offendingItems());
    }

    @Test
    void rejectsATruncatedHeader() {
        List<SubmittedImage> images = new ArrayList<>(TestImages.distinctPngs(3, 8, 8));
        byte[] png = TestImages.png(8, 8, 42);
        images.add(new SubmittedImage("cut.png", java.util.Arrays.copyOf(png, 12)));
        SubmissionRejected e = assertThrows(SubmissionRejected.class, () -> validator.validate(images));
        assertEquals(RejectionReason.UNREADABLE_IMAGE, e.reason());
        assertEquals(List.of("cut.png"), e.offendingItems());
    }

    @Test
    void classWordRules() throws Exception {
        assertEquals("golden retriever", ClassWords.normalizeClassWord("  Golden   Retriever "));
        assertEquals(RejectionReason.MISSING_CLASS_WORD,
                assertThrows(SubmissionRejected.class, () -> ClassWords.normalizeClassWord(" ")).reason());
        assertEquals(RejectionReason.MISSING_CLASS_WORD,
                assertThrows(SubmissionRejected.class, () -> ClassWords.normalizeClassWord(null)).reason());
        assertEquals(RejectionReason.INVALID_CLASS_WORD,
                assertThrows(SubmissionRejected.class, () -> ClassWords.normalizeClassWord("<new1> dog")).reason());
        assertEquals(RejectionReason.INVALID_CLASS_WORD,
                assertThrows(SubmissionRejected.class, () -> ClassWords.normalizeClassWord("a b c d")).reason());
        assertEquals(RejectionReason.INVALID_CLASS_WORD,
                assertThrows(SubmissionRejected.class, () -> ClassWords.normalizeClassWord("x".repeat(41))).reason());
    }
}
