package dev.cdiff.toyworld.eval;

import static dev.cdiff.toyworld.eval.HandBuiltResults.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** toy-eval.json holds every number of the report's tables, the headline list on top, and only standard JSON. */
class EvalJsonWriterTest {
    @TempDir
    Path dir;

    private JsonNode written() throws Exception {
        EvalReportWriter.write(result(0.65, 0.82), dir.resolve("toy-eval.md"), "cdiff eval --seed 7");
        String text = Files.readString(dir.resolve("toy-eval.json"));
        assertFalse(text.contains("NaN"), "NaN is not JSON");
        return new ObjectMapper().readTree(text);
    }

    @Test
    void headlineEntriesHaveNameValueTargetDirection() throws Exception {
        JsonNode json = written();
        JsonNode headline = json.get("headline");
        assertEquals(Headlines.of(result(0.65, 0.82)).size(), headline.size());
        JsonNode gap = headline.get(headline.size() - 1);
        assertEquals("merge_joint_both_present_gap", gap.get("name").asText());
        assertEquals(0.05, gap.get("value").asDouble(), 1e-12);
        assertEquals(0.1, gap.get("target").asDouble());
        assertEquals("<=", gap.get("direction").asText());
        assertTrue(gap.get("met").asBoolean());
        assertEquals(">=", headline.get(0).get("direction").asText());
        assertEquals("base_text_alignment_held_out", headline.get(0).get("name").asText());
        assertEquals(2, json.get("earlierTargets").size());
        // a met target has no findings; a missed one carries the report's (an empty list when no row shows a cause)
        assertFalse(gap.has("why"));
        assertTrue(headline.get(0).get("why").isArray());
        assertEquals(0, headline.get(0).get("why").size());
    }

    @Test
    void everyTableIsThere() throws Exception {
        JsonNode json = written();
        assertEquals("cdiff eval --seed 7", json.get("command").asText());
        assertEquals(600.0, json.get("totalSeconds").asDouble());
        assertEquals(300, json.get("settings").get("steps").asInt());
        assertEquals(List.of(1, 4, 16, 0), new ObjectMapper().convertValue(json.get("settings").get("ranks"),
            new com.fasterxml.jackson.core.type.TypeReference<List<Integer>>() {}));
        assertEquals("HELD_OUT", json.get("baseAlignment").get(1).get("split").asText());
        assertEquals(0.7, json.get("baseAlignment").get(1).get("textAlignment").asDouble());
        assertEquals(0.9, json.get("vaeCeilings").get(0).get("imageSimilarity").asDouble());
        assertEquals("<new2>", json.get("vaeCeilings").get(1).get("concept").asText());
        assertEquals(0.55, json.get("vaeCeilings").get(1).get("presenceThreshold").asDouble());

        JsonNode base = json.get("single").get(0);
        assertTrue(base.get("finalLoss").isNull(), "the base row's NaN loss is null");
        JsonNode cd = json.get("single").get(2);
        assertTrue(cd.get("regularized").asBoolean());
        assertEquals(0.82, cd.get("imageSimilarity").asDouble());
        assertEquals(0.75, cd.get("present").asDouble());
        assertEquals(0.01, cd.get("forgetting").asDouble());
        assertEquals(273456, cd.get("deltaBytes").asLong());
        assertEquals(HandBuiltResults.CONCEPT_PROMPTS.size(), cd.get("prompts").size());

        JsonNode ablation = json.get("ablations").get(0);
        assertEquals("Custom Diffusion (K/V + token), no modifier token", ablation.get("method").asText());
        assertEquals(0.31, ablation.get("imageSimilarity").asDouble());
        assertTrue(ablation.get("changes").asText().startsWith("the targets are captioned \"a circle\""));
        assertEquals(3, json.get("ablations").size());

        JsonNode pairCeiling = json.get("multi").get(0);
        assertEquals(ToyEvaluation.PAIR_CEILING_LABEL, pairCeiling.get("method").asText());
        assertEquals(0.45, pairCeiling.get("bothPresent").asDouble());
        JsonNode baseComposition = json.get("multi").get(1);
        assertEquals(ToyEvaluation.BASE_COMPOSITION_LABEL, baseComposition.get("method").asText());
        assertEquals(0.75, baseComposition.get("bothShapes").asDouble());
        assertEquals(ToyEvaluation.BASE_INITIALIZER_LABEL, json.get("multi").get(2).get("method").asText());
        assertEquals(0.2, json.get("multi").get(2).get("bothShapes").asDouble());
        assertEquals(ToyEvaluation.JOINT_TOKENS_LABEL, json.get("multi").get(4).get("method").asText());
        assertEquals(0.15, json.get("multi").get(4).get("bothShapes").asDouble());
        JsonNode merge = json.get("multi").get(5);
        assertEquals(0.65, merge.get("bothPresent").asDouble());
        assertEquals(0.85, merge.get("bothShapes").asDouble());
        assertFalse(json.get("multi").get(3).has("mergeDiagnostics"));
        JsonNode layer = merge.get("mergeDiagnostics").get("layers").get(1);
        assertEquals("down.0.attn2.to_v", layer.get("layer").asText());
        assertEquals(0.0375, layer.get("regularizationDrift").asDouble());
        assertEquals(0.125, layer.get("constraintResidual").get(0).asDouble());
        assertTrue(layer.get("constraintResidual").get(1).isNull(), "a NaN residual is null");
        assertEquals(64, layer.get("rows").asInt());
        JsonNode worst = merge.get("mergeSummary").get("worstConstraintResidual");
        assertEquals("<new1> circle", worst.get(0).get("concept").asText());
        assertEquals("down.0.attn2.to_v", worst.get(0).get("layer").asText());
        assertEquals(0.125, worst.get(0).get("residual").asDouble());
        assertEquals(0.0375, merge.get("mergeSummary").get("maxRegularizationDrift").asDouble());

        JsonNode trajectory = json.get("trajectory");
        assertEquals(4, trajectory.size());
        assertEquals(100, trajectory.get(1).get("step").asInt());
        assertEquals(0.81, trajectory.get(1).get("imageSimilarity").asDouble());
        assertEquals(0.125, trajectory.get(1).get("present").asDouble());
        assertEquals(0.4, trajectory.get(1).get("loss").asDouble());
        JsonNode second = json.get("secondConcept");
        assertEquals(3, second.size());
        assertEquals("full UNet + token", second.get(2).get("method").asText());
        assertEquals(0.125, second.get(2).get("present").asDouble());
        assertEquals(HandBuiltResults.SECOND_PROMPTS.size(), second.get(1).get("prompts").size());

        JsonNode vsJoint = json.get("mergeVsJoint");
        assertEquals(3, vsJoint.size());
        assertEquals(-0.3, vsJoint.get(2).get("bothPresentDifferenceToJoint").asDouble(), 1e-12);

        JsonNode rank = json.get("compression").get(0);
        assertEquals(4, rank.get("rank").asInt());
        assertEquals(30000, rank.get("deltaBytes").asLong());
        assertEquals(0.1, rank.get("parameterFraction").asDouble());
    }
}
