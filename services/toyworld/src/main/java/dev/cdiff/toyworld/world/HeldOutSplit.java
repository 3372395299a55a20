package dev.cdiff.toyworld.world;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * (shape, colour) pairs that never appear in base training, to test compositional generalisation. One pair per
 * shape with each colour used at most once, so every shape and every colour still appears in training.
 */
public final class HeldOutSplit {
    private final Map<Shape, Set<PaletteColor>> heldOut = new EnumMap<>(Shape.class);

    public HeldOutSplit(Map<Shape, Set<PaletteColor>> pairs) {
        for (Shape s : Shape.values()) {
            Set<PaletteColor> colors = EnumSet.noneOf(PaletteColor.class);
            colors.addAll(pairs.getOrDefault(s, Set.of()));
            if (colors.size() >= PaletteColor.objectColors().size()) {
                throw new IllegalArgumentException("held-out split would remove every colour of " + s);
            }
            heldOut.put(s, colors);
        }
    }

    public static HeldOutSplit standard() {
        return new HeldOutSplit(Map.of(
            Shape.CIRCLE, Set.of(PaletteColor.GREEN),
            Shape.SQUARE, Set.of(PaletteColor.PURPLE),
            Shape.TRIANGLE, Set.of(PaletteColor.CYAN),
            Shape.DIAMOND, Set.of(PaletteColor.RED),
            Shape.CROSS, Set.of(PaletteColor.YELLOW)));
    }

    public boolean isHeldOut(Shape shape, PaletteColor color) {
        return heldOut.get(shape).contains(color);
    }

    public List<PaletteColor> trainColors(Shape shape) {
        List<PaletteColor> out = new ArrayList<>();
        for (PaletteColor c : PaletteColor.objectColors()) {
            if (!isHeldOut(shape, c)) out.add(c);
        }
        return out;
    }

    public List<PaletteColor> heldOutColors(Shape shape) {
        return List.copyOf(heldOut.get(shape));
    }

    /** A scene is in the training split when none of its solid objects forms a held-out pair. */
    public boolean isTrainScene(Scene scene) {
        for (SceneObject o : scene.objects()) {
            if (o.fill().pattern() == FillPattern.SOLID && isHeldOut(o.shape(), o.color())) return false;
        }
        return true;
    }
}
