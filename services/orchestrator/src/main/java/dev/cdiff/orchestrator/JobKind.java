package dev.cdiff.orchestrator;

/** What started the job: a concept to learn, a merge of deltas, or a stand-alone sampling request. */
public enum JobKind {
    CONCEPT, MERGE, SAMPLE
}
