package dev.cdiff.toyworld.world;

/** TRAIN scenes avoid every held-out (shape, colour) pair; HELD_OUT scenes contain at least one. */
public enum Split { TRAIN, HELD_OUT }
