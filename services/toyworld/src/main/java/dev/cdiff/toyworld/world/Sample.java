package dev.cdiff.toyworld.world;

import dev.cdiff.toyworld.image.ToyImage;

/** A generated image with its ground-truth scene and a caption. */
public record Sample(Scene scene, ToyImage image, String caption) {}
