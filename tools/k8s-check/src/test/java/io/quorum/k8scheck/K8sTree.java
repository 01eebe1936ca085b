package io.quorum.k8scheck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where k8s/ is, and its overlays. */
final class K8sTree {

    private K8sTree() {
    }

    /** The repository root: the first directory above the working directory that holds k8s/base. */
    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("k8s/base/kustomization.yaml"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no k8s/base/kustomization.yaml above " + Path.of("").toAbsolutePath());
    }

    static Path k8s() {
        return root().resolve("k8s");
    }

    /** Every directory under k8s/overlays that holds a kustomization.yaml, sorted. */
    static List<Path> overlays() {
        try (Stream<Path> s = Files.list(k8s().resolve("overlays"))) {
            List<Path> dirs = s.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml"))).sorted().toList();
            if (dirs.isEmpty()) {
                throw new IllegalStateException("no overlay under " + k8s().resolve("overlays"));
            }
            return dirs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every component directory under k8s/components, sorted. */
    static List<Path> components() {
        try (Stream<Path> s = Files.list(k8s().resolve("components"))) {
            return s.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code *.example.yaml} files: objects documented for users to create themselves, never rendered. */
    static List<Path> examples() {
        try (Stream<Path> s = Files.walk(k8s())) {
            return s.filter(f -> f.getFileName().toString().endsWith(".example.yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a kustomization into {@code target/k8s-check/<name>} that builds on k8s/ (relative paths: kustomize
     * refuses absolute ones) and returns its directory. {@code body} uses {@code K8S/} for the path to k8s/.
     */
    static Path scratchOverlay(String name, String body) {
        Path dir = Path.of("target", "k8s-check", name).toAbsolutePath();
        try {
            Files.createDirectories(dir);
            String rel = dir.relativize(k8s()).toString().replace('\\', '/');
            Files.writeString(dir.resolve("kustomization.yaml"), body.replace("K8S/", rel + "/"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
