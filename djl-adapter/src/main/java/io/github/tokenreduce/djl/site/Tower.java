package io.github.tokenreduce.djl.site;

/** A transformer stack a method can be attached to. */
public enum Tower {
    VISION,
    TEXT
}
