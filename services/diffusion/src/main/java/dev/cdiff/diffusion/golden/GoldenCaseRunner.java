package dev.cdiff.diffusion.golden;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;

/**
 * Runs one kind of reference case. Implementations are found with {@link java.util.ServiceLoader}
 * (META-INF/services/dev.cdiff.diffusion.golden.GoldenCaseRunner) and need a public no-arg
 * constructor. Throwing means the case could not run, which counts as a failure.
 */
public interface GoldenCaseRunner {
    String kind();

    CaseResult run(JsonNode caseSpec, Path goldenDir) throws Exception;
}
