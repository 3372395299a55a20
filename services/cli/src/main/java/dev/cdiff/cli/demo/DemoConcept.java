package dev.cdiff.cli.demo;

import dev.cdiff.cli.client.NamedImage;
import dev.cdiff.toyworld.world.Concept;
import dev.cdiff.toyworld.world.Concepts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The example concepts bundled with the CLI ({@code src/main/resources/demo/<folder>/NN.png}), drawn by the toy-world
 * generator ({@link DemoImageWriter}): a red-and-yellow checkered circle and a green-and-purple striped square, five
 * pictures each with varied size, position and background.
 */
public enum DemoConcept {
    CHECKER_CIRCLE("checker-circle", "my checkered circle", Concepts.CHECKER_CIRCLE),
    STRIPED_SQUARE("striped-square", "my striped square", Concepts.STRIPED_SQUARE);

    public static final int IMAGES = 5;

    private final String folder;
    private final String conceptName;
    private final Concept world;

    DemoConcept(String folder, String conceptName, Concept world) {
        this.folder = folder;
        this.conceptName = conceptName;
        this.world = world;
    }

    public String folder() {
        return folder;
    }

    public String conceptName() {
        return conceptName;
    }

    public String classWord() {
        return world.classWord();
    }

    public String initializerWord() {
        return world.initializerWord();
    }

    Concept world() {
        return world;
    }

    static String fileName(int index) {
        return String.format("%02d.png", index + 1);
    }

    /** The bundled pictures, read from the classpath. */
    public List<NamedImage> images() {
        List<NamedImage> out = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            String resource = "/demo/" + folder + "/" + fileName(i);
            try (InputStream in = DemoConcept.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("the demo image " + resource + " is missing from the CLI jar");
                }
                out.add(new NamedImage(folder + "-" + fileName(i), in.readAllBytes()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }
        return out;
    }
}
