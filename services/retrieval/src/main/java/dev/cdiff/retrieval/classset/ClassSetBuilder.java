package dev.cdiff.retrieval.classset;

import dev.cdiff.platform.corpus.SharedCorpus;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.retrieval.Digests;
import dev.cdiff.retrieval.features.CaptionEmbedder;
import dev.cdiff.retrieval.index.CaptionIndex;
import dev.cdiff.retrieval.index.CaptionMatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds or makes the regularization set of a class: a cached manifest when one exists for the same params, else the
 * corpus images whose captions are closest to the class prompt, topped up with generated images when fewer than the
 * required minimum pass the threshold. Sets are shared across tenants: they hold only public corpus images and
 * base-model outputs, never tenant data.
 */
public final class ClassSetBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(ClassSetBuilder.class);
    public static final String CLASS_SETS = SharedCorpus.CLASS_SETS;
    public static final String GENERATED_IMAGES = "shared/class-images/";

    private final ArtifactStore store;
    private final CaptionIndex index;
    private final CaptionEmbedder embedder;
    private final ClassImageGenerator generator;

    /** @param generator null when generation is unavailable; then a short set is returned as retrieved */
    public ClassSetBuilder(ArtifactStore store, CaptionIndex index, CaptionEmbedder embedder,
                           ClassImageGenerator generator) {
        this.store = store;
        this.index = index;
        this.embedder = embedder;
        this.generator = generator;
    }

    public synchronized ClassSet obtain(ClassSetParams params) {
        String manifestKey = CLASS_SETS + params.cacheKey() + ".json";
        if (store.exists(manifestKey)) {
            byte[] bytes = store.getBytes(manifestKey);
            LOG.info("class set for '{}' reused from {}", params.classPrompt(), manifestKey);
            // a set cached before the digest-addressed copies existed gets its copy on first reuse
            new SharedCorpus(store).indexClassSet(bytes);
            return new ClassSet(ClassSetManifest.fromJson(bytes), Digests.sha256Hex(bytes), manifestKey, true);
        }
        ClassSetManifest manifest = compute(params, true);
        byte[] bytes = manifest.toJson();
        store.putAt(manifestKey, bytes, "application/json");
        // others (the merge) find the set by the digest RegularizationReady names
        new SharedCorpus(store).indexClassSet(bytes);
        LOG.info("class set for '{}': {} images ({}), stored at {}", params.classPrompt(), manifest.items().size(),
                manifest.origin(), manifestKey);
        return new ClassSet(manifest, Digests.sha256Hex(bytes), manifestKey, false);
    }

    /**
     * Selects the class set again from the index (and the generator), ignoring any cached manifest and storing
     * nothing: what an audit compares with the set a job was given.
     */
    public synchronized ClassSet rederive(ClassSetParams params) {
        ClassSetManifest manifest = compute(params, false);
        return new ClassSet(manifest, Digests.sha256Hex(manifest.toJson()), CLASS_SETS + params.cacheKey() + ".json",
                false);
    }

    private ClassSetManifest compute(ClassSetParams params, boolean storeGenerated) {
        List<ClassSetItem> items = new ArrayList<>();
        float[] query = embedder.embed(params.classPrompt());
        for (CaptionMatch m : index.search(query, params.maxImages(), params.minSimilarity())) {
            items.add(new ClassSetItem(store.bucket(), m.entry().imageKey(), m.entry().imageSha256(),
                    m.entry().imageSizeBytes(), m.entry().mediaType(), m.entry().caption(), "RETRIEVED", m.cosine()));
        }
        int missing = params.requiredImages() - items.size();
        if (missing > 0) {
            if (generator == null) {
                if (items.isEmpty()) {
                    throw new IllegalStateException("no corpus caption is closer than cosine " + params.minSimilarity()
                            + " to '" + params.classPrompt() + "' and class image generation is not configured");
                }
                LOG.warn("class set for '{}' has {} of {} images and generation is not configured", params.classPrompt(),
                        items.size(), params.requiredImages());
            } else {
                items.addAll(generate(params, missing, storeGenerated));
            }
        }
        return new ClassSetManifest(1, params, ClassSetManifest.originOf(items), items);
    }

    private List<ClassSetItem> generate(ClassSetParams params, int count, boolean storeImages) {
        long start = System.nanoTime();
        List<byte[]> pngs = generator.generate(params.classPrompt(), count, params.generationSeed(),
                params.generationSteps(), params.generationGuidance(), params.generationSide());
        List<ClassSetItem> items = new ArrayList<>(pngs.size());
        for (byte[] png : pngs) {
            String sha = Digests.sha256Hex(png);
            String key = GENERATED_IMAGES + sha + ".png";
            if (storeImages && !store.exists(key)) {
                store.putAt(key, png, "image/png");
            }
            items.add(new ClassSetItem(store.bucket(), key, sha, png.length, "image/png", params.classPrompt(),
                    "GENERATED", 1.0));
        }
        LOG.info("generated {} class images of '{}' in {} ms", pngs.size(), params.classPrompt(),
                (System.nanoTime() - start) / 1_000_000);
        return items;
    }
}
