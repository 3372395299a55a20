package dev.cdiff.toyworld.metrics;

import dev.cdiff.toyworld.image.ToyImage;

/** An image together with the prompt it was generated from. */
public record PromptedImage(String prompt, ToyImage image) {}
