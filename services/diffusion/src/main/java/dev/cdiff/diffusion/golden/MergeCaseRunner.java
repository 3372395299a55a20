package dev.cdiff.diffusion.golden;

import dev.cdiff.diffusion.delta.Matrices;
import dev.cdiff.diffusion.merge.MergeProjector;
import dev.cdiff.diffusion.merge.RegularizationGram;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.SafeTensors;
import org.ejml.data.DMatrixRMaj;

import java.nio.file.Path;

/** Kind "merge": for every layer {@code k} of the case, W from in.k.{W0,C_reg,C_target,V_target} vs out.k.W. */
public final class MergeCaseRunner implements GoldenCaseRunner {
    @Override
    public String kind() {
        return "merge";
    }

    @Override
    public CaseResult run(JsonNode caseSpec, Path goldenDir) {
        ToleranceCheck check = GoldenCases.tolerance(caseSpec);
        try (SafeTensors st = GoldenCases.tensors(caseSpec, goldenDir)) {
            for (int k = 0; st.contains("in." + k + ".W0"); k++) {
                String p = "in." + k + ".";
                DMatrixRMaj cReg = matrix(st, p + "C_reg");
                RegularizationGram gram = new RegularizationGram(cReg.numCols, RegularizationGram.Backend.FLOAT64);
                gram.add(Matrices.toFloats(cReg), cReg.numRows);
                MergeProjector projector = MergeProjector.build(gram.gram(), matrix(st, p + "C_target"));
                DMatrixRMaj w = projector.merge(matrix(st, p + "W0"), matrix(st, p + "V_target"));
                check.check("out." + k + ".W", Matrices.toFloats(w), st.loadFloats("out." + k + ".W"));
            }
        }
        return check.result();
    }

    private static DMatrixRMaj matrix(SafeTensors st, String name) {
        long[] shape = st.info(name).shape();
        if (shape.length != 2) {
            throw new IllegalArgumentException(name + " is not a matrix");
        }
        return Matrices.fromFloats(st.loadFloats(name), (int) shape[0], (int) shape[1]);
    }
}
