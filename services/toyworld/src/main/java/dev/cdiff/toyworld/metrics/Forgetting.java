package dev.cdiff.toyworld.metrics;

import java.util.List;

/**
 * Forgetting after fine-tuning: text alignment on plain class prompts ("a red circle") from the model before
 * fine-tuning minus the same from the model after. Positive drop = the model forgot part of the class.
 */
public final class Forgetting {
    private final TextAlignment alignment;

    public Forgetting(TextAlignment alignment) {
        this.alignment = alignment;
    }

    public ForgettingResult measure(List<PromptedImage> before, List<PromptedImage> after) {
        double b = alignment.mean(before);
        double a = alignment.mean(after);
        return new ForgettingResult(b, a, b - a);
    }

    public record ForgettingResult(double alignmentBefore, double alignmentAfter, double drop) {}
}
