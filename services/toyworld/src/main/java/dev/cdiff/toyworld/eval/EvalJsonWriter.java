package dev.cdiff.toyworld.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.merge.MergeDiagnostics;
import dev.cdiff.toyworld.metrics.Forgetting;
import dev.cdiff.toyworld.metrics.PromptedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes every number of an {@link EvalResult}'s tables as JSON, with the {@link Headlines} on top, so that a script
 * (or the next run's comparison) need not parse the Markdown. Images are not in it, only the prompts they were
 * sampled from; a number that could not be measured (NaN) is {@code null}.
 */
public final class EvalJsonWriter {
    /** Bumped when a field changes meaning or disappears (adding fields does not). */
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private EvalJsonWriter() {}

    public static void write(EvalResult r, Path file, String command) throws IOException {
        JSON.writeValue(file.toFile(), tree(r, command));
    }

    static ObjectNode tree(EvalResult r, String command) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", VERSION);
        root.put("command", command);
        root.put("modelDir", r.modelDir());
        num(root, "totalSeconds", r.totalSeconds());
        root.set("headline", headlines(Headlines.of(r), r));
        root.set("earlierTargets", headlines(Headlines.earlier(r), r));
        root.set("settings", JSON.valueToTree(r.settings()));
        Forgetting.RatioInterval ci = Headlines.forgettingInterval(r);
        if (ci != null) {
            ObjectNode n = root.putObject("forgettingRatioInterval");
            num(n, "value", ci.value());
            num(n, "low", ci.low());
            num(n, "high", ci.high());
            n.put("level", ci.level()).put("images", ci.images());
        }

        ArrayNode base = root.putArray("baseAlignment");
        for (EvalResult.BaseAlignment b : r.baseAlignment()) {
            ObjectNode n = base.addObject().put("split", b.split()).put("prompts", b.prompts());
            num(n, "textAlignment", b.textAlignment());
        }
        ArrayNode ceilings = root.putArray("vaeCeilings");
        ceiling(ceilings.addObject().put("concept", "<new1>"), r.vaeCeiling());
        ceiling(ceilings.addObject().put("concept", "<new2>"), r.secondVaeCeiling());

        ArrayNode single = root.putArray("single");
        for (EvalResult.SingleConcept c : r.single()) single(single.addObject(), c);
        ArrayNode ablations = root.putArray("ablations");
        for (EvalResult.SingleConcept c : r.ablations()) {
            single(ablations.addObject(), c).put("changes", AblationSection.change(c.method(), r.settings()));
        }
        ArrayNode trajectory = root.putArray("trajectory");
        for (EvalResult.TrajectoryPoint p : r.trajectory()) {
            ObjectNode n = trajectory.addObject().put("step", p.step());
            num(n, "imageSimilarity", p.imageSimilarity());
            num(n, "exactMatchRate", p.exactMatchRate());
            num(n, "present", p.present());
            num(n, "loss", p.loss());
        }
        ArrayNode second = root.putArray("secondConcept");
        for (EvalResult.SingleConcept c : r.second()) single(second.addObject(), c);

        ArrayNode multi = root.putArray("multi");
        for (EvalResult.MultiConcept m : r.multi()) {
            ObjectNode n = multi.addObject().put("method", m.method());
            num(n, "bothPresent", m.bothPresent());
            num(n, "firstPresent", m.firstPresent());
            num(n, "secondPresent", m.secondPresent());
            num(n, "bothExact", m.bothExact());
            num(n, "bothShapes", m.bothShapes());
            num(n, "textAlignment", m.textAlignment());
            num(n, "seconds", m.seconds());
            n.set("prompts", prompts(m.images()));
            if (m.diagnostics() != null) {
                // MergeDiagnostics' own field names (non-finite numbers null, unlike its toJson), plus the report's summary
                n.set("mergeDiagnostics", JSON.valueToTree(m.diagnostics()));
                ObjectNode summary = n.putObject("mergeSummary");
                ArrayNode worst = summary.putArray("worstConstraintResidual");
                for (int k = 0; k < m.diagnostics().concepts().size(); k++) {
                    MergeDiagnostics.Worst w = m.diagnostics().worstResidual(k);
                    num(worst.addObject().put("concept", w.concept()).put("layer", w.layer()), "residual", w.residual());
                }
                num(summary, "maxRegularizationDrift", m.diagnostics().maxRegularizationDrift());
            }
        }
        ArrayNode presence = root.putArray("mergeVsJoint");
        for (MergeDiagnosticsSection.PresenceRow p : MergeDiagnosticsSection.presence(r)) {
            ObjectNode n = presence.addObject().put("method", p.method());
            num(n, "firstPresent", p.first());
            num(n, "secondPresent", p.second());
            num(n, "bothPresent", p.both());
            num(n, "firstPresentDifferenceToJoint", p.firstDifference());
            num(n, "secondPresentDifferenceToJoint", p.secondDifference());
            num(n, "bothPresentDifferenceToJoint", p.bothDifference());
        }

        ArrayNode compression = root.putArray("compression");
        for (EvalResult.Compression c : r.compression()) {
            ObjectNode n = compression.addObject().put("rank", c.rank());
            num(n, "parameterFraction", c.parameterFraction());
            n.put("deltaBytes", c.deltaBytes());
            num(n, "imageSimilarity", c.imageSimilarity());
            num(n, "exactMatchRate", c.exactMatchRate());
            num(n, "textAlignment", c.textAlignment());
        }
        nullNonFinite(root);
        return root;
    }

    /** A missed headline carries {@code why}: the report's findings on its cause, one string each. */
    private static ArrayNode headlines(List<Headline> hs, EvalResult r) {
        ArrayNode out = JSON.createArrayNode();
        for (Headline h : hs) {
            ObjectNode n = out.addObject().put("name", h.name()).put("label", h.label());
            num(n, "value", h.value());
            num(n, "target", h.target());
            n.put("direction", h.direction().symbol()).put("met", h.met());
            if (!h.detail().isEmpty()) n.put("detail", h.detail());
            if (!h.met()) {
                ArrayNode why = n.putArray("why");
                MissedTargetsSection.findings(h, r).forEach(why::add);
            }
        }
        return out;
    }

    private static void ceiling(ObjectNode n, EvalResult.VaeCeiling c) {
        num(n, "imageSimilarity", c.imageSimilarity());
        num(n, "exactMatchRate", c.exactMatchRate());
        num(n, "presenceThreshold", c.presenceThreshold());
        n.put("images", c.images().size());
    }

    private static ObjectNode single(ObjectNode n, EvalResult.SingleConcept c) {
        n.put("method", c.method()).put("regularized", c.regularized());
        num(n, "textAlignment", c.textAlignment());
        num(n, "imageSimilarity", c.imageSimilarity());
        if (c.imageSimilarityInterval() != null) {
            ObjectNode ci = n.putObject("imageSimilarityInterval");
            num(ci, "low", c.imageSimilarityInterval().low());
            num(ci, "high", c.imageSimilarityInterval().high());
            num(ci, "level", c.imageSimilarityInterval().level());
            ci.put("images", c.imageSimilarityInterval().images());
        }
        num(n, "exactMatchRate", c.exactMatchRate());
        num(n, "present", c.present());
        num(n, "classAlignment", c.classAlignment());
        num(n, "forgetting", c.forgetting());
        n.put("trainedParameters", c.trainedParameters()).put("deltaBytes", c.deltaBytes());
        num(n, "trainSeconds", c.trainSeconds());
        num(n, "finalLoss", c.finalLoss());
        n.set("prompts", prompts(c.conceptImages()));
        n.set("classPrompts", prompts(c.classImages()));
        return n;
    }

    private static ArrayNode prompts(List<PromptedImage> images) {
        ArrayNode out = JSON.createArrayNode();
        List<String> seen = new ArrayList<>();
        for (PromptedImage p : images) {
            if (!seen.contains(p.prompt())) {
                seen.add(p.prompt());
                out.add(p.prompt());
            }
        }
        return out;
    }

    private static void num(ObjectNode n, String field, double v) {
        if (Double.isFinite(v)) n.put(field, v);
        else n.putNull(field);
    }

    /** Also the trees Jackson made from records (settings, diagnostics): NaN is not JSON. */
    private static void nullNonFinite(JsonNode node) {
        if (node instanceof ObjectNode o) {
            for (Map.Entry<String, JsonNode> e : new ArrayList<>(o.properties())) {
                if (nonFinite(e.getValue())) o.putNull(e.getKey());
                else nullNonFinite(e.getValue());
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (nonFinite(a.get(i))) a.set(i, a.nullNode());
                else nullNonFinite(a.get(i));
            }
        }
    }

    private static boolean nonFinite(JsonNode n) {
        return n.isFloatingPointNumber() && !Double.isFinite(n.doubleValue());
    }
}
