package dev.cdiff.merging;

import dev.cdiff.diffusion.merge.GramCache;
import dev.cdiff.diffusion.merge.RegularizationGram;
import dev.cdiff.platform.ids.Ids;
import dev.cdiff.platform.store.ArtifactStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Regularization Gram matrices kept in the artifact store's shared area, {@code shared/merge-gram/<key>.safetensors}.
 * The key is a digest of the base model, the product backend and the exact caption list (corpus captions and class-set
 * captions, public data, or generated templates), none of which is a
 * tenant's data, so one entry serves every tenant's merges on that base model. The cache is an optimisation: any
 * failure to read or write it is logged and the merge computes the matrix itself.
 */
final class StoredGramCache implements GramCache {
    private static final Logger LOG = LoggerFactory.getLogger(StoredGramCache.class);
    static final String PREFIX = Ids.SHARED_AREA + "merge-gram/";

    private final ArtifactStore store;
    private final Path workDir;

    StoredGramCache(ArtifactStore store, Path workDir) {
        this.store = store;
        this.workDir = workDir;
    }

    static String keyOf(String gramKey) {
        if (!gramKey.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a Gram cache key is a sha256 hex digest, got '" + gramKey + "'");
        }
        return PREFIX + gramKey + ".safetensors";
    }

    @Override
    public Optional<RegularizationGram> find(String gramKey) {
        String key = keyOf(gramKey);
        Path file = null;
        try {
            if (!store.exists(key)) {
                return Optional.empty();
            }
            file = Files.createTempFile(Files.createDirectories(workDir), "gram-", ".safetensors");
            // not store.download: the entry's name is the digest of its inputs, not of its bytes, and download
            // would take it for a content address and refuse every entry (the cache never answered)
            try (java.io.InputStream in = store.open(key)) {
                Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return Optional.of(RegularizationGram.read(file));
        } catch (Exception e) {
            LOG.warn("Gram cache entry {} unreadable, computing the matrix instead: {}", key, e.toString());
            return Optional.empty();
        } finally {
            deleteQuietly(file);
        }
    }

    @Override
    public void store(String gramKey, RegularizationGram gram) {
        String key = keyOf(gramKey);
        Path file = null;
        try {
            file = Files.createTempFile(Files.createDirectories(workDir), "gram-", ".safetensors");
            gram.write(file);
            store.putAt(key, Files.readAllBytes(file), MergeHandler.DELTA_MEDIA_TYPE);
        } catch (Exception e) {
            LOG.warn("could not store Gram cache entry {}: {}", key, e.toString());
        } finally {
            deleteQuietly(file);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (Exception ignored) {
                // a leftover temp file in the scratch folder is harmless
            }
        }
    }
}
