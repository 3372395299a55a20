package dev.cdiff.toyworld.world;

import java.util.List;
import java.util.Objects;

/** Everything that determines an image: side length, background and one or two objects. */
public record Scene(int imageSize, Background background, List<SceneObject> objects) {
    public Scene {
        Objects.requireNonNull(background, "background");
        objects = List.copyOf(objects);
        if (imageSize < 16) throw new IllegalArgumentException("imageSize must be at least 16, got " + imageSize);
        if (objects.isEmpty() || objects.size() > 2) {
            throw new IllegalArgumentException("a scene holds one or two objects, got " + objects.size());
        }
    }
}
