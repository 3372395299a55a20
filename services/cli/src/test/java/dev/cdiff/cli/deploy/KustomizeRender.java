package dev.cdiff.cli.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The part of kustomize the manifests use, so a test can render them without the binary: {@code resources} (files
 * and kustomization folders), {@code namespace}, {@code images} (new tag) and {@code patches} by path, merged the
 * strategic way for what they patch (maps deeply, lists of named items by name, other values replaced).
 */
final class KustomizeRender {
    private KustomizeRender() {
    }

    static List<Map<String, Object>> render(Path dir) throws IOException {
        Map<String, Object> kustomization = YamlDocuments.readOne(dir.resolve("kustomization.yaml"));
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object r : list(kustomization.get("resources"))) {
            Path resource = dir.resolve((String) r).normalize();
            if (Files.isDirectory(resource)) {
                objects.addAll(render(resource));
            } else {
                objects.addAll(YamlDocuments.read(resource));
            }
        }
        for (Object p : list(kustomization.get("patches"))) {
            Path patchFile = dir.resolve((String) ((Map<?, ?>) p).get("path"));
            for (Map<String, Object> patch : YamlDocuments.read(patchFile)) {
                Map<String, Object> target = objects.stream().filter(o -> sameObject(o, patch)).findFirst()
                        .orElseThrow(() -> new IllegalStateException(patchFile + " patches no object: " + id(patch)));
                merge(target, patch);
            }
        }
        for (Object i : list(kustomization.get("images"))) {
            Map<?, ?> image = (Map<?, ?>) i;
            for (Map<String, Object> o : objects) {
                for (Map<String, Object> c : containers(o)) {
                    String ref = (String) c.get("image");
                    if (ref.substring(0, ref.lastIndexOf(':')).equals(image.get("name"))) {
                        c.put("image", image.get("name") + ":" + image.get("newTag"));
                    }
                }
            }
        }
        Object namespace = kustomization.get("namespace");
        if (namespace != null) {
            objects.forEach(o -> YamlDocuments.map(o, "metadata").put("namespace", namespace));
        }
        return objects;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> containers(Map<String, Object> object) {
        Object list = YamlDocuments.map(object, "spec", "template", "spec").get("containers");
        return list == null ? List.of() : (List<Map<String, Object>>) list;
    }

    static String id(Map<String, Object> o) {
        return o.get("kind") + "/" + YamlDocuments.map(o, "metadata").get("name");
    }

    private static boolean sameObject(Map<String, Object> a, Map<String, Object> b) {
        return Objects.equals(a.get("kind"), b.get("kind")) && Objects.equals(
                YamlDocuments.map(a, "metadata").get("name"), YamlDocuments.map(b, "metadata").get("name"));
    }

    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> target, Map<String, Object> patch) {
        patch.forEach((k, v) -> {
            Object existing = target.get(k);
            if (existing instanceof Map<?, ?> em && v instanceof Map<?, ?> pm) {
                merge((Map<String, Object>) em, (Map<String, Object>) pm);
            } else if (existing instanceof List<?> el && v instanceof List<?> pl && named(el) && named(pl)) {
                List<Object> out = new ArrayList<>(el);
                for (Object item : pl) {
                    Map<String, Object> pi = (Map<String, Object>) item;
                    Map<String, Object> match = (Map<String, Object>) out.stream()
                            .filter(e -> Objects.equals(((Map<?, ?>) e).get("name"), pi.get("name"))).findFirst()
                            .orElse(null);
                    if (match == null) {
                        out.add(new LinkedHashMap<>(pi));
                    } else {
                        merge(match, pi);
                    }
                }
                target.put(k, out);
            } else {
                target.put(k, v);
            }
        });
    }

    private static boolean named(List<?> list) {
        return !list.isEmpty() && list.stream().allMatch(i -> i instanceof Map<?, ?> m && m.get("name") != null);
    }

    private static List<?> list(Object o) {
        return o == null ? List.of() : (List<?>) o;
    }
}
