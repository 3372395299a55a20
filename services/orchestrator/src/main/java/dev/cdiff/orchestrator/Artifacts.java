package dev.cdiff.orchestrator;

import dev.cdiff.schemas.events.ArtifactRef;

import java.util.List;

/** Converts between the event's ArtifactRef and the status document's copy of it. */
final class Artifacts {
    private Artifacts() {
    }

    static JobStatus.Artifact toStatus(ArtifactRef ref) {
        JobStatus.Artifact artifact = new JobStatus.Artifact();
        artifact.bucket = ref.getBucket();
        artifact.key = ref.getKey();
        artifact.sha256 = ref.getSha256();
        artifact.sizeBytes = ref.getSizeBytes();
        artifact.mediaType = ref.getMediaType();
        return artifact;
    }

    static List<JobStatus.Artifact> toStatus(List<ArtifactRef> refs) {
        return refs.stream().map(Artifacts::toStatus).collect(java.util.stream.Collectors.toCollection(java.util.ArrayList::new));
    }

    static ArtifactRef toEvent(JobStatus.Artifact artifact) {
        return ArtifactRef.newBuilder()
                .setBucket(artifact.bucket)
                .setKey(artifact.key)
                .setSha256(artifact.sha256)
                .setSizeBytes(artifact.sizeBytes)
                .setMediaType(artifact.mediaType)
                .build();
    }

    static List<ArtifactRef> toEvent(List<JobStatus.Artifact> artifacts) {
        return artifacts.stream().map(Artifacts::toEvent).toList();
    }
}
