package dev.cdiff.cli;

import dev.cdiff.cli.audit.AuditReport;
import dev.cdiff.cli.stack.AllInOne;

import java.nio.file.Path;
import java.util.Map;

/** The audit exactly as {@code ./cdiff audit} runs it, for tests outside this package. */
public final class AuditCommandAccess {
    private AuditCommandAccess() {
    }

    public static AuditReport audit(AllInOne.Options options, Map<String, String> endpoints, Path model, String job)
            throws Exception {
        return AuditCommand.audit(options, endpoints, model, job);
    }
}
