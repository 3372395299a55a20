package dev.cdiff.toyworld.metrics;

/** Aggregate image alignment: mean similarity and share of images that exactly reproduce the concept. */
public record ImageAlignmentSummary(double meanSimilarity, double exactMatchRate, int images) {}
