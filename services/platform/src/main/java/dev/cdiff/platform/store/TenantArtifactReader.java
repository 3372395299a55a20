package dev.cdiff.platform.store;

import dev.cdiff.platform.scratch.ScratchFolders;
import dev.cdiff.schemas.events.ArtifactRef;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Fetch-and-check of an artifact a tenant's request names, written once for every service that loads one (a delta
 * for sampling or merging): ownership ({@link ArtifactOwnership}), existence, digest, parse, and for artifacts
 * trained on a base model, that base model. Every refusal is an {@link ArtifactRefused} with a code and a sentence.
 *
 * <p>The file is fetched into a {@link ScratchFolders scratch folder} under the service's scratch root,
 * under a constant name, and removed before this returns: nothing of the request ever becomes part of a path.
 *
 * <p>An artifact that records no base model is refused ({@link ArtifactRefused#BASE_MODEL_UNRECORDED}). Weights
 * trained on another base model load without error and produce plausible but wrong images; without a recorded
 * digest nothing can show that they fit, so they are not guessed to.
 */
public final class TenantArtifactReader {

    /** Turns the fetched file into the caller's type; any exception means the content is not a valid artifact. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(Path file) throws Exception;
    }

    private final ArtifactStore store;
    private final ArtifactOwnership ownership;
    private final Path scratchRoot;

    /** @param scratchRoot where temporary folders are made (the service's work dir); created if missing */
    public TenantArtifactReader(ArtifactStore store, Path scratchRoot) {
        this.store = store;
        this.ownership = store.ownership();
        this.scratchRoot = scratchRoot;
    }

    /** The tenant's artifact {@code ref}, parsed; {@code what} names it in refusals, e.g. "delta 2". */
    public <T> T read(String tenant, ArtifactRef ref, String what, Parser<T> parser) {
        StoredArtifact artifact;
        try {
            artifact = ownership.owned(tenant, ref, what);
        } catch (ForeignArtifactException e) {
            throw new ArtifactRefused(ArtifactRefused.FOREIGN_ARTIFACT, e.getMessage(), e);
        }
        Path dir = null;
        try {
            dir = ScratchFolders.create(scratchRoot, "artifact-");
            Path file = dir.resolve("artifact");
            try {
                Files.write(file, store.getVerified(artifact));
            } catch (ArtifactNotFoundException e) {
                throw new ArtifactRefused(ArtifactRefused.ARTIFACT_NOT_FOUND, what + " (" + ref.getKey()
                        + ") does not exist", e);
            } catch (ArtifactIntegrityException e) {
                throw new ArtifactRefused(ArtifactRefused.ARTIFACT_CORRUPT, what + " (" + ref.getKey()
                        + ") does not match its digest: " + e.getMessage(), e);
            }
            try {
                return parser.parse(file);
            } catch (Exception e) {
                throw new ArtifactRefused(ArtifactRefused.INVALID_ARTIFACT, what + " (" + ref.getKey()
                        + ") is not readable: " + e.getMessage(), e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fetch " + what + " into a scratch folder under " + scratchRoot, e);
        } finally {
            ScratchFolders.delete(dir);
        }
    }

    /**
     * As {@link #read}, then requires the artifact to record {@code baseModelDigest} as the base model it was trained
     * on; {@code recordedBaseModel} reads that record (empty or null when there is none).
     */
    public <T> T readForBaseModel(String tenant, ArtifactRef ref, String what, Parser<T> parser,
                                  Function<T, String> recordedBaseModel, String baseModelDigest) {
        T artifact = read(tenant, ref, what, parser);
        String recorded = recordedBaseModel.apply(artifact);
        if (recorded == null || recorded.isEmpty()) {
            throw new ArtifactRefused(ArtifactRefused.BASE_MODEL_UNRECORDED, what + " (" + ref.getKey()
                    + ") does not record the base model it was trained on, so it cannot be shown to fit base model "
                    + baseModelDigest + "; train or export it again with its base model digest", null);
        }
        if (!recorded.equals(baseModelDigest)) {
            throw new ArtifactRefused(ArtifactRefused.BASE_MODEL_MISMATCH, what + " (" + ref.getKey()
                    + ") was trained on base model " + recorded + " but this service has " + baseModelDigest, null);
        }
        return artifact;
    }
}
