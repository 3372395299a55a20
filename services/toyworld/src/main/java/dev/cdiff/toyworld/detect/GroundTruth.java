package dev.cdiff.toyworld.detect;

import dev.cdiff.toyworld.world.Scene;
import dev.cdiff.toyworld.world.SceneObject;
import java.util.ArrayList;
import java.util.List;

/** Compares a detection with the generator's ground truth and names every disagreement. */
public final class GroundTruth {
    private GroundTruth() {}

    /** Empty when the detection recovered background, object count and every attribute of every object. */
    public static List<String> differences(Scene scene, DetectedScene detected) {
        List<String> diffs = new ArrayList<>();
        if (!scene.background().equals(detected.background())) {
            diffs.add("background " + detected.background() + " != " + scene.background());
        }
        if (scene.objects().size() != detected.objects().size()) {
            diffs.add("object count " + detected.objects().size() + " != " + scene.objects().size());
            return diffs;
        }
        for (SceneObject truth : scene.objects()) {
            DetectedObject found = null;
            for (DetectedObject d : detected.objects()) {
                if (d.position() == truth.position()) found = d;
            }
            if (found == null) {
                diffs.add("no object at " + truth.position());
                continue;
            }
            String where = truth.position() + ": ";
            if (found.shape() != truth.shape()) diffs.add(where + "shape " + found.shape() + " != " + truth.shape());
            if (found.size() != truth.size()) diffs.add(where + "size " + found.size() + " != " + truth.size());
            if (!found.hasFill(truth.fill())) diffs.add(where + "fill " + found.fill() + " != " + truth.fill());
        }
        return diffs;
    }
}
