package dev.cdiff.toyworld.eval;

import static dev.cdiff.toyworld.eval.HandBuiltResults.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdiff.toyworld.metrics.PromptedImage;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Issue 10's headline numbers are computed from the result's rows and judged against their targets. */
class HeadlinesTest {
    private static Map<String, Headline> byName(EvalResult r) {
        return Headlines.of(r).stream().collect(Collectors.toMap(Headline::name, Function.identity()));
    }

    @Test
    void oneEntryPerIssueRowInAStableOrder() {
        assertEquals(List.of("base_text_alignment_held_out", "base_text_alignment_train", "vae_round_trip_image_alignment",
                "cd_reg_image_alignment", "cd_reg_to_full_ft_image_alignment", "cd_reg_to_full_ft_forgetting",
                "joint_both_present", "merge_joint_both_present_gap"),
            Headlines.of(result(0.65, 0.82)).stream().map(Headline::name).toList());
    }

    @Test
    void valuesComeFromTheRows() {
        Map<String, Headline> h = byName(result(0.65, 0.855));
        assertEquals(0.7, h.get("base_text_alignment_held_out").value());
        assertFalse(h.get("base_text_alignment_held_out").met());
        assertEquals(0.85, h.get("base_text_alignment_train").value());
        assertTrue(h.get("base_text_alignment_train").met());
        assertEquals(0.9, h.get("vae_round_trip_image_alignment").value());
        assertTrue(h.get("vae_round_trip_image_alignment").met(), "exactly on the target counts as met");
        assertEquals(0.855, h.get("cd_reg_image_alignment").value());
        // how far the image alignment could move with other samples, so a narrow miss or pass can be read as such
        // and where the same run's image alignment went at its checkpoints
        assertEquals("VAE round-trip ceiling 0.900; 90 % bootstrap interval [0.824, 0.879] over 24 concept-prompt images"
            + "; the same run scored at 4 checkpoints to step 200: 0.500-0.810, >= 0.80 at 1 of them",
            h.get("cd_reg_image_alignment").detail());
        // full fine-tune without reg: image 0.9, forgetting 0.3; Custom Diffusion + reg: forgetting 0.01
        assertEquals(0.95, h.get("cd_reg_to_full_ft_image_alignment").value(), 1e-12);
        assertTrue(h.get("cd_reg_to_full_ft_image_alignment").met());
        assertEquals(0.01 / 0.3, h.get("cd_reg_to_full_ft_forgetting").value(), 1e-12);
        assertEquals(Headline.Direction.AT_MOST, h.get("cd_reg_to_full_ft_forgetting").direction());
        assertTrue(h.get("cd_reg_to_full_ft_forgetting").met());
        assertEquals(0.7, h.get("joint_both_present").value());
        // the measured reasons beside the joint figure: what the frozen VAE lets through of real two-concept scenes,
        // how often each concept appears when it is the only one asked for, and how often the two class shapes are
        // drawn at all, with colour words, with the untrained tokens and with only the tokens trained
        String alone = "each concept alone on its own prompts, present: `<new1>` 0.75 (Custom Diffusion + reg), `<new2>`"
            + " 0.05 (Custom Diffusion + reg), 0.13 (full UNet + token + reg); ";
        assertEquals("VAE round trip of real two-concept scenes 0.45 (the most a method with the frozen VAE can be"
            + " expected to reach); " + alone + "both class shapes drawn: joint 0.90, base model with colour words 0.75,"
            + " with both tokens at their initializer words 0.20, after training only the tokens 0.15",
            h.get("joint_both_present").detail());
        assertEquals("VAE round trip of real two-concept scenes 0.45 (the most a method with the frozen VAE can be"
            + " expected to reach); " + alone + "both class shapes drawn: merge 0.85",
            Headlines.earlier(result(0.65, 0.82)).stream().filter(x -> x.name().equals("merge_both_present"))
                .findFirst().orElseThrow().detail());
        assertEquals(0.05, h.get("merge_joint_both_present_gap").value(), 1e-12);
        assertTrue(h.get("merge_joint_both_present_gap").met());
    }

    @Test
    void theGapToJointCountsBothWays() {
        // merge better than joint by 0.2 misses "within 0.1" just as much as worse by 0.2
        Headline gap = byName(result(0.9, 0.82)).get("merge_joint_both_present_gap");
        assertEquals(0.2, gap.value(), 1e-12);
        assertFalse(gap.met());
        assertFalse(byName(result(0.5, 0.82)).get("merge_joint_both_present_gap").met());
    }

    @Test
    void whatCannotBeMeasuredIsNaNAndMissed() {
        EvalResult full = result(0.65, 0.82);
        EvalResult noMulti = new EvalResult(full.settings(), full.modelDir(), full.baseAlignment(), full.vaeCeiling(),
            full.secondVaeCeiling(), full.single().stream().filter(s -> !s.method().startsWith("full")).toList(),
            full.ablations(), List.of(), full.compression(), List.of(), List.of(), full.totalSeconds());
        Map<String, Headline> h = byName(noMulti);
        assertEquals(8, h.size());
        for (String name : List.of("cd_reg_to_full_ft_image_alignment", "cd_reg_to_full_ft_forgetting",
                "joint_both_present", "merge_joint_both_present_gap")) {
            assertTrue(Double.isNaN(h.get(name).value()), name);
            assertFalse(h.get(name).met(), name);
            assertEquals("not measured", h.get(name).valueText());
        }
    }

    @Test
    void withoutATrajectoryOrTheSecondConceptTheirNotesAreLeftOut() {
        EvalResult r = result(0.65, 0.82);
        EvalResult bare = new EvalResult(r.settings(), r.modelDir(), r.baseAlignment(), r.vaeCeiling(),
            r.secondVaeCeiling(), r.single(), r.ablations(), r.multi(), r.compression(), List.of(), List.of(),
            r.totalSeconds());
        Map<String, Headline> h = byName(bare);
        assertFalse(h.get("cd_reg_image_alignment").detail().contains("checkpoints"),
            h.get("cd_reg_image_alignment").detail());
        assertFalse(h.get("joint_both_present").detail().contains("alone"), h.get("joint_both_present").detail());
        assertEquals(byName(r).get("cd_reg_image_alignment").value(), h.get("cd_reg_image_alignment").value());
    }

    @Test
    void aResultWithoutTheTokenRowsEndsTheShapesNoteAtTheColourWords() {
        EvalResult r = result(0.65, 0.82);
        List<EvalResult.MultiConcept> multi = r.multi().stream()
            .filter(m -> !m.method().equals(ToyEvaluation.BASE_INITIALIZER_LABEL)
                && !m.method().equals(ToyEvaluation.JOINT_TOKENS_LABEL)).toList();
        EvalResult older = new EvalResult(r.settings(), r.modelDir(), r.baseAlignment(), r.vaeCeiling(),
            r.secondVaeCeiling(), r.single(), r.ablations(), multi, r.compression(), r.second(), r.trajectory(),
            r.totalSeconds());
        assertTrue(byName(older).get("joint_both_present").detail().endsWith("base model with colour words 0.75"),
            byName(older).get("joint_both_present").detail());
    }

    @Test
    void aFullFineTuneThatForgotNothingLeavesTheForgettingRatioUndefined() {
        EvalResult r = result(0.65, 0.82);
        List<EvalResult.SingleConcept> single = r.single().stream().map(s -> !s.method().startsWith("full") ? s
            : new EvalResult.SingleConcept(s.method(), s.regularized(), s.textAlignment(), s.imageSimilarity(),
                s.exactMatchRate(), s.present(), s.classAlignment(), -0.02, s.trainedParameters(), s.deltaBytes(),
                s.trainSeconds(), s.finalLoss(), s.conceptImages(), s.classImages(), s.imageSimilarityInterval())).toList();
        Headline h = byName(new EvalResult(r.settings(), r.modelDir(), r.baseAlignment(), r.vaeCeiling(),
            r.secondVaeCeiling(), single, r.ablations(), r.multi(), r.compression(), r.second(), r.trajectory(),
            r.totalSeconds()))
            .get("cd_reg_to_full_ft_forgetting");
        assertTrue(Double.isNaN(h.value()));
        assertTrue(h.detail().contains("forgot nothing"), h.detail());
    }

    @Test
    void namesAreSnakeCase() {
        assertThrows(IllegalArgumentException.class,
            () -> new Headline("Base Text", "x", 1, 1, Headline.Direction.AT_LEAST, ""));
    }

    @Test
    void issueFoursOtherTargetsStayJudged() {
        Map<String, Headline> met = Headlines.earlier(result(0.65, 0.82)).stream()
            .collect(Collectors.toMap(Headline::name, Function.identity()));
        assertEquals(0.6 - 0.86, met.get("cd_reg_text_alignment_gap_to_base").value(), 1e-12);
        assertTrue(met.get("cd_reg_text_alignment_gap_to_base").met());
        assertTrue(met.get("merge_both_present").met());
        assertFalse(Headlines.earlier(result(0.5, 0.82)).get(1).met());
    }

    @Test
    void theForgettingRatioCarriesItsPairedBootstrapInterval() {
        EvalResult r = result(0.65, 0.82);
        List<PromptedImage> own = HandBuiltResults.images(60);
        List<PromptedImage> other = new ArrayList<>();
        List<PromptedImage> someOther = new ArrayList<>();
        var replacements = ToyWorld.defaults().samples(own.size(), 9, Split.TRAIN);
        for (int i = 0; i < own.size(); i++) {
            // the full fine-tune loses every image, Custom Diffusion every third: a true ratio near 1/3
            other.add(new PromptedImage(own.get(i).prompt(), replacements.get(i).image()));
            someOther.add(i % 3 == 0 ? other.get(i) : own.get(i));
        }
        List<EvalResult.SingleConcept> rows = new ArrayList<>();
        for (EvalResult.SingleConcept c : r.single()) {
            List<PromptedImage> cls = c.method().startsWith("base") ? own
                : c.method().startsWith("full") ? other : c.regularized() ? someOther : own;
            rows.add(new EvalResult.SingleConcept(c.method(), c.regularized(), c.textAlignment(), c.imageSimilarity(),
                c.exactMatchRate(), c.present(), c.classAlignment(), c.forgetting(), c.trainedParameters(), c.deltaBytes(),
                c.trainSeconds(), c.finalLoss(), c.conceptImages(), cls, c.imageSimilarityInterval()));
        }
        EvalResult withImages = new EvalResult(r.settings(), r.modelDir(), r.baseAlignment(), r.vaeCeiling(),
            r.secondVaeCeiling(), rows, r.ablations(), r.multi(), r.compression(), r.second(), r.trajectory(),
            r.totalSeconds());

        var ci = Headlines.forgettingInterval(withImages);
        assertTrue(ci.value() > 0.15 && ci.value() < 0.6, "about a third: " + ci);
        assertTrue(ci.low() < ci.value() && ci.value() < ci.high());
        assertEquals(own.size(), ci.images());
        String detail = byName(withImages).get("cd_reg_to_full_ft_forgetting").detail();
        assertTrue(detail.contains("90 % paired-bootstrap interval [") && detail.contains("over 60 class-prompt images"),
            detail);
        // the hand-built rows' class images are all the same: nothing forgotten, so no interval is claimed
        assertFalse(byName(r).get("cd_reg_to_full_ft_forgetting").detail().contains("interval"));
    }
}
