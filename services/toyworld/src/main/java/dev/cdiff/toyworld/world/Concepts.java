package dev.cdiff.toyworld.world;

import java.util.List;

/** The built-in personal concepts. Their patterns and colour pairs are distinct from each other. */
public final class Concepts {
    public static final Concept CHECKER_CIRCLE = new Concept("<new1>", "ktn", Shape.CIRCLE,
        new Fill(FillPattern.CHECKER, PaletteColor.RED, PaletteColor.YELLOW));
    public static final Concept STRIPED_SQUARE = new Concept("<new2>", "pll", Shape.SQUARE,
        new Fill(FillPattern.DIAGONAL_STRIPES, PaletteColor.GREEN, PaletteColor.PURPLE));
    public static final Concept RING_TRIANGLE = new Concept("<new3>", "ucd", Shape.TRIANGLE,
        new Fill(FillPattern.RING, PaletteColor.YELLOW, PaletteColor.BLUE));

    private Concepts() {}

    public static List<Concept> all() {
        return List.of(CHECKER_CIRCLE, STRIPED_SQUARE, RING_TRIANGLE);
    }

    public static Concept byToken(String token) {
        for (Concept c : all()) {
            if (c.token().equals(token)) return c;
        }
        throw new IllegalArgumentException("unknown concept token '" + token + "'");
    }
}
