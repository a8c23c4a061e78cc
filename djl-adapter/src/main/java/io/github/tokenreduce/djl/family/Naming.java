package io.github.tokenreduce.djl.family;

import java.util.Collection;
import java.util.List;

/**
 * One naming of a family's parameters (OpenAI's, Hugging Face's, timm's, ...), recognised by markers
 * that must all be present: an exact parameter name, or a prefix ending in a dot that some name
 * must start with.
 *
 * @param name the naming, for messages ("OpenAI", "Hugging Face")
 * @param markers the names or prefixes that must all be present
 */
public record Naming(String name, List<String> markers) {

    /** Checks the markers. */
    public Naming {
        if (markers.isEmpty()) {
            throw new IllegalArgumentException("naming " + name + ": expected at least one marker");
        }
        markers = List.copyOf(markers);
    }

    /** Whether parameters called {@code names} carry every marker. */
    public boolean matches(Collection<String> names) {
        return markers.stream().allMatch(k -> k.endsWith(".")
                ? names.stream().anyMatch(n -> n.startsWith(k)) : names.contains(k));
    }
}
