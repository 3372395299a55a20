package dev.cdiff.retrieval;

import dev.cdiff.platform.kafka.EventPublisher;

import dev.cdiff.platform.kafka.InboundEvent;
import dev.cdiff.platform.kafka.NonRetryableException;
import dev.cdiff.retrieval.classset.ClassSet;
import dev.cdiff.retrieval.classset.ClassSetItem;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.RegularizationReady;
import dev.cdiff.schemas.events.RegularizationRequested;

import java.time.Instant;
import java.util.List;

/** RegularizationRequested -> class set (cached, retrieved or generated) -> RegularizationReady. */
public final class RegularizationHandler {
    private final RetrievalEngine engine;
    private final EventPublisher publisher;

    public RegularizationHandler(RetrievalEngine engine, EventPublisher publisher) {
        this.engine = engine;
        this.publisher = publisher;
    }

    public void handle(InboundEvent<RegularizationRequested> inbound) {
        RegularizationRequested request = inbound.value();
        if (request.getClassPrompt() == null || request.getClassPrompt().isBlank()) {
            throw new NonRetryableException("RegularizationRequested " + request.getEventId() + " has no class prompt");
        }
        if (request.getMaxImages() <= 0) {
            throw new NonRetryableException("RegularizationRequested " + request.getEventId()
                    + " asks for maxImages=" + request.getMaxImages() + "; it must be positive");
        }
        ClassSet set = engine.classSet(engine.params(request.getClassPrompt(), request.getMaxImages(),
                request.getMinSimilarity()));
        List<ArtifactRef> images = set.manifest().items().stream().map(RegularizationHandler::toRef).toList();
        List<String> captions = set.manifest().items().stream().map(ClassSetItem::caption).toList();
        publisher.publish(request.getJobId(), RegularizationReady.newBuilder()
                .setEventId(EventPublisher.derivedEventId(request.getEventId(), "RegularizationReady"))
                .setTenantId(request.getTenantId())
                .setJobId(request.getJobId())
                .setOccurredAt(Instant.now())
                .setCausationId(request.getEventId())
                .setConceptId(request.getConceptId())
                .setClassPrompt(set.manifest().params().classPrompt())
                .setImages(images)
                .setCaptions(captions)
                .setOrigin(set.manifest().origin())
                .setClassSetDigest(set.digest())
                .build());
    }

    private static ArtifactRef toRef(ClassSetItem item) {
        return ArtifactRef.newBuilder().setBucket(item.bucket()).setKey(item.key()).setSha256(item.sha256())
                .setSizeBytes(item.sizeBytes()).setMediaType(item.mediaType()).build();
    }
}
