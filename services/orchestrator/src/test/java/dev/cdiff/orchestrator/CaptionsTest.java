package dev.cdiff.orchestrator;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CaptionsTest {
    @Test
    void tokenGoesRightBeforeTheClassWordMatchedAsAWholeWordIgnoringCase() {
        assertEquals("a photo of my <new1> Dog on grass", Captions.withToken("a photo of my Dog on grass", "<new1>", "dog"));
        // "hotdog" and "dogs" are not the class word; the standalone word later is
        assertEquals("hotdog stand, dogs and a <new1> dog", Captions.withToken("hotdog stand, dogs and a dog", "<new1>", "dog"));
        assertEquals("my <new1> teddy bear", Captions.withToken("my teddy bear", "<new1>", "teddy bear"));
    }

    @Test
    void captionWithoutTheClassWordIsPrefixedAndOneWithTheTokenIsKept() {
        assertEquals("<new1> cat, sleeping on a sofa", Captions.withToken("sleeping on a sofa", "<new1>", "cat"));
        assertEquals("a <new1> cat", Captions.withToken("a <new1> cat", "<new1>", "cat"));
    }

    @Test
    void missingOrBlankCaptionsFallBackToTheTemplatePerImage() {
        assertEquals(List.of("a <new1> cat here", "photo of a <new1> cat", "photo of a <new1> cat"),
                Captions.instanceCaptions(List.of("a cat here", "  "), 3, "photo of a {token} {class}", "<new1>", "cat"));
    }
}
