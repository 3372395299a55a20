package dev.cdiff.diffusion.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.text.ClipTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;

/** Kind "tokenizer": every example's text must give exactly the listed ids, from both tokenizer file layouts. */
public final class TokenizerCaseRunner implements GoldenCaseRunner {
    @Override
    public String kind() {
        return "tokenizer";
    }

    @Override
    public CaseResult run(JsonNode caseSpec, Path goldenDir) {
        Path dir = GoldenCases.modelDir(caseSpec, goldenDir).resolve("tokenizer");
        ToleranceCheck check = new ToleranceCheck(0, 0);
        checkExamples(caseSpec, "default", () -> ClipTokenizer.load(dir), check);
        if (Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt"))) {
            checkExamples(caseSpec, "vocab+merges", () -> ClipTokenizer.loadVocabAndMerges(dir), check);
        }
        return check.result();
    }

    private static void checkExamples(JsonNode caseSpec, String loader, Supplier<ClipTokenizer> load,
                                      ToleranceCheck check) {
        int index = 0;
        for (JsonNode ex : caseSpec.path("examples")) {
            ClipTokenizer tok = load.get();
            int maxLength = ex.path("max_length").asInt(caseSpec.path("max_length").asInt(tok.maxLength()));
            for (JsonNode added : ex.path("added_tokens")) {
                tok.addToken(added.asText());
            }
            String text = ex.path("text").asText();
            int[] actual = tok.encode(text, maxLength);
            long[] expected = new long[ex.path("input_ids").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = ex.path("input_ids").get(i).asLong();
            }
            long[] actualLong = Arrays.stream(actual).asLongStream().toArray();
            if (!Arrays.equals(actualLong, expected)) {
                check.fail(loader + " example " + index + " \"" + text + "\": got " + Arrays.toString(actual));
            } else {
                check.check(loader + " example " + index, actualLong, expected);
            }
            index++;
        }
    }
}
