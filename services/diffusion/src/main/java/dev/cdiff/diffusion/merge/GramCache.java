package dev.cdiff.diffusion.merge;

import java.util.Optional;

/**
 * Where a merge keeps the regularization Gram matrix C_reg^T C_reg between merges. It depends only on the base
 * model, the regularization captions and the product backend, never on the deltas, and it is most of a cold merge's
 * work; with it cached, a repeated merge on the same base model costs only the solve and the layer updates. The core
 * knows no storage: a service supplies one (e.g. its artifact store).
 */
public interface GramCache {
    /** No caching. */
    GramCache NONE = new GramCache() {
        @Override
        public Optional<RegularizationGram> find(String key) {
            return Optional.empty();
        }

        @Override
        public void store(String key, RegularizationGram gram) {
        }
    };

    /** The Gram matrix stored under {@code key} (a lower-case hex digest), if any. */
    Optional<RegularizationGram> find(String key);

    /** Stores a Gram matrix; a failure to store must not fail the merge that computed it. */
    void store(String key, RegularizationGram gram);
}
