package dev.cdiff.toyworld.world;

/**
 * How an object's pixels are coloured. Base-world objects are SOLID; the other patterns exist only in
 * personal concepts, so the base model never sees them.
 */
public enum FillPattern {
    SOLID,
    /** Square cells alternating primary/secondary, aligned to the object's bounding box. */
    CHECKER,
    /** Bands along the x+y diagonal alternating primary/secondary. */
    DIAGONAL_STRIPES,
    /** Outer band of the primary colour around an inside of the secondary colour. */
    RING
}
