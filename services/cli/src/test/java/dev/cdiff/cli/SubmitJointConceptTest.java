package dev.cdiff.cli;

import dev.cdiff.cli.client.GatewayClient;
import dev.cdiff.cli.demo.DemoConcept;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./cdiff submit --concept ...}: how one concept of a joint job is read from its option. */
class SubmitJointConceptTest {
    @TempDir
    Path dir;

    @Test
    void aConceptOfFilesNamesItsClassTokenAndImages() throws Exception {
        Path cats = Files.createDirectories(dir.resolve("cats"));
        Files.write(cats.resolve("a.png"), new byte[] {1});
        Files.write(cats.resolve("b.jpg"), new byte[] {2});
        Files.write(cats.resolve("notes.txt"), new byte[] {3});
        Path extra = Files.write(dir.resolve("c.webp"), new byte[] {4});
        GatewayClient.JointConceptUpload c = SubmitCommand.parseConcept("class=cat,token=<new2>,images=" + cats
                + ",images=" + extra + ",initializer=pll");
        assertEquals("cat", c.classWord());
        assertEquals("<new2>", c.token());
        assertEquals("pll", c.initializerWord());
        assertEquals("cats", c.conceptName(), "named after its first folder");
        assertEquals(3, c.images().size(), "images of both inputs, the text file left out");
    }

    @Test
    void aBundledExampleNeedsNoImages() throws Exception {
        GatewayClient.JointConceptUpload c = SubmitCommand.parseConcept("example=striped-square,name=sq");
        assertEquals("sq", c.conceptName());
        assertEquals(DemoConcept.STRIPED_SQUARE.classWord(), c.classWord());
        assertEquals(DemoConcept.IMAGES, c.images().size());
        assertNull(c.token(), "the gateway gives the position's token");
    }

    @Test
    void incompleteOrUnknownSpecsAreRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SubmitCommand.parseConcept("class=cat"))
                .getMessage().contains("images=... and class=... are required"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SubmitCommand.parseConcept("class=cat,colour=red,images=x")).getMessage().contains("unknown key"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SubmitCommand.parseConcept("cat"))
                .getMessage().contains("not key=value"));
    }
}
