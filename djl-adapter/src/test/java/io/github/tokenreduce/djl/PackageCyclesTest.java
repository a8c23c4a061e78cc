package io.github.tokenreduce.djl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * No package of {@code djl} depends on itself through others: every reference in the main sources
 * (imports and qualified names in code, comments left out) from one package to another is an edge,
 * and no edge may close a loop. Each package's {@code package-info.java} says what it may use.
 */
class PackageCyclesTest {

    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.github\\.tokenreduce\\.djl(?:\\.[a-z]\\w*)*)\\.[A-Z]");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    @Test
    void noPackageReachesItself() throws IOException {
        Map<String, Set<String>> uses = graph();
        assertTrue(uses.size() > 10, "read the djl packages: " + uses.keySet());
        List<String> cycles = new ArrayList<>();
        for (String p : uses.keySet()) {
            List<String> path = pathBack(uses, p);
            if (path != null) {
                cycles.add(String.join(" -> ", path));
            }
        }
        assertTrue(cycles.isEmpty(), "package cycles: " + cycles + "; move the type that closes each loop");
    }

    @Test
    void theGraphSeesAnEdgeAndItsLoop() {
        // the check itself: a loop planted in a small graph is found, a chain is not a loop
        Map<String, Set<String>> g = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"),
                "d", Set.of("a")));
        assertTrue(pathBack(g, "a") != null && pathBack(g, "d") == null, "a -> b -> c -> a is a loop, d is not on it");
    }

    /** Package → the other djl packages its main sources name. */
    private static Map<String, Set<String>> graph() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(SOURCES)) {
            files = s.filter(f -> f.toString().endsWith(".java") && !f.endsWith("package-info.java")).toList();
        }
        for (Path f : files) {
            String code = COMMENT.matcher(Files.readString(f)).replaceAll(" ");
            Matcher pkg = PACKAGE.matcher(code);
            if (!pkg.find()) {
                continue;
            }
            String from = pkg.group(1);
            Set<String> to = uses.computeIfAbsent(from, k -> new TreeSet<>());
            Matcher ref = REFERENCE.matcher(code);
            while (ref.find()) {
                if (!ref.group(1).equals(from)) {
                    to.add(ref.group(1));
                }
            }
        }
        return uses;
    }

    /** A path from {@code start} back to itself, or null when there is none. */
    private static List<String> pathBack(Map<String, Set<String>> uses, String start) {
        return search(uses, start, start, new ArrayList<>(List.of(start)), new TreeSet<>());
    }

    private static List<String> search(Map<String, Set<String>> uses, String at, String start, List<String> path,
            Set<String> seen) {
        for (String next : uses.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                List<String> loop = new ArrayList<>(path);
                loop.add(start);
                return loop;
            }
            if (seen.add(next)) {
                path.add(next);
                List<String> found = search(uses, next, start, path, seen);
                if (found != null) {
                    return found;
                }
                path.remove(path.size() - 1);
            }
        }
        return null;
    }
}
