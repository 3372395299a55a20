package dev.cdiff.toyworld.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HeldOutSplitTest {
    private final HeldOutSplit split = HeldOutSplit.standard();

    @Test
    void trainScenesNeverShowHeldOutPairs() {
        Set<String> seenPairs = new HashSet<>();
        for (Sample s : ToyWorld.defaults().samples(2000, 77, Split.TRAIN)) {
            assertTrue(split.isTrainScene(s.scene()), s.caption());
            for (SceneObject o : s.scene().objects()) {
                assertFalse(o.isConcept(), "concepts must not appear in base training");
                seenPairs.add(o.shape() + "/" + o.color());
            }
        }
        // Every non-held-out pair is reachable: 5 shapes x 6 colours - 5 held out.
        assertEquals(25, seenPairs.size());
    }

    @Test
    void heldOutScenesAlwaysShowAHeldOutPair() {
        Set<String> heldPairs = new HashSet<>();
        for (Sample s : ToyWorld.defaults().samples(500, 78, Split.HELD_OUT)) {
            assertFalse(split.isTrainScene(s.scene()), s.caption());
            for (SceneObject o : s.scene().objects()) {
                if (split.isHeldOut(o.shape(), o.color())) heldPairs.add(o.shape() + "/" + o.color());
            }
        }
        assertEquals(5, heldPairs.size());
    }

    @Test
    void trainAndHeldOutColoursAreDisjointAndCoverEveryShapeAndColour() {
        Set<PaletteColor> trainColours = EnumSet.noneOf(PaletteColor.class);
        for (Shape shape : Shape.values()) {
            Set<PaletteColor> train = EnumSet.copyOf(split.trainColors(shape));
            Set<PaletteColor> held = EnumSet.copyOf(split.heldOutColors(shape));
            Set<PaletteColor> both = EnumSet.copyOf(train);
            both.retainAll(held);
            assertTrue(both.isEmpty(), shape + " colours in both splits: " + both);
            assertEquals(PaletteColor.objectColors().size(), train.size() + held.size());
            trainColours.addAll(train);
        }
        assertEquals(Set.copyOf(PaletteColor.objectColors()), trainColours);
    }

    @Test
    void conceptFillsNeverAppearInBaseScenes() {
        for (Sample s : ToyWorld.defaults().samples(1000, 79, Split.TRAIN)) {
            for (SceneObject o : s.scene().objects()) assertEquals(FillPattern.SOLID, o.fill().pattern());
        }
    }
}
