package dev.cdiff.diffusion.io;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

/** A Stable Diffusion pipeline folder in the diffusers on-disk layout. */
public final class ModelFolder {
    public static final String TOKENIZER = "tokenizer";
    public static final String TEXT_ENCODER = "text_encoder";
    public static final String UNET = "unet";
    public static final String VAE = "vae";
    public static final String SCHEDULER = "scheduler";

    private final Path root;

    public ModelFolder(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("model folder does not exist: " + root);
        }
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Optional<JsonNode> modelIndex() {
        Path p = root.resolve("model_index.json");
        return Files.isRegularFile(p) ? Optional.of(ConfigReader.readJson(p)) : Optional.empty();
    }

    /** The sub-folder of a component, e.g. "unet"; fails naming the component when it is missing. */
    public Path component(String name) {
        Path p = root.resolve(name);
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException("model folder " + root + " has no " + name + "/ component");
        }
        return p;
    }

    public boolean hasComponent(String name) {
        return Files.isDirectory(root.resolve(name));
    }

    public Path tokenizerDir() {
        return component(TOKENIZER);
    }

    public Path textEncoderDir() {
        return component(TEXT_ENCODER);
    }

    public Path unetDir() {
        return component(UNET);
    }

    public Path vaeDir() {
        return component(VAE);
    }

    public Path schedulerDir() {
        return component(SCHEDULER);
    }

    /** config.json of a component directory (scheduler_config.json for schedulers). */
    /** model_index.json of a Stable Diffusion folder with a DDIM scheduler and no safety checker. */
    public static ObjectNode stableDiffusionIndex() {
        var c = JsonNodeFactory.instance.objectNode();
        c.put("_class_name", "StableDiffusionPipeline");
        c.putArray(SCHEDULER).add("diffusers").add("DDIMScheduler");
        c.putArray(TEXT_ENCODER).add("transformers").add("CLIPTextModel");
        c.putArray(TOKENIZER).add("transformers").add("CLIPTokenizer");
        c.putArray(UNET).add("diffusers").add("UNet2DConditionModel");
        c.putArray(VAE).add("diffusers").add("AutoencoderKL");
        c.put("requires_safety_checker", false);
        return c;
    }

    public static JsonNode readConfig(Path componentDir) {
        Path cfg = componentDir.resolve("config.json");
        if (!Files.isRegularFile(cfg)) {
            Path sched = componentDir.resolve("scheduler_config.json");
            if (Files.isRegularFile(sched)) {
                return ConfigReader.readJson(sched);
            }
            throw new IllegalArgumentException("no config.json in " + componentDir);
        }
        return ConfigReader.readJson(cfg);
    }

    /**
     * The safetensors weight files of a component: a sharded checkpoint's index
     * ({@code *.safetensors.index.json}) when present, else the single {@code *.safetensors} file.
     */
    public static List<Path> weightFiles(Path componentDir) {
        try (Stream<Path> s = Files.list(componentDir)) {
            List<Path> all = s.sorted().toList();
            for (Path p : all) {
                if (p.getFileName().toString().endsWith(".safetensors.index.json")) {
                    JsonNode map = ConfigReader.readJson(p).path("weight_map");
                    TreeSet<String> files = new TreeSet<>();
                    Iterator<JsonNode> it = map.elements();
                    while (it.hasNext()) {
                        files.add(it.next().asText());
                    }
                    List<Path> out = new ArrayList<>();
                    for (String f : files) {
                        out.add(componentDir.resolve(f));
                    }
                    return out;
                }
            }
            List<Path> singles = all.stream().filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList();
            if (singles.isEmpty()) {
                throw new IllegalArgumentException("no .safetensors weights in " + componentDir
                        + " (only the safetensors format is supported)");
            }
            List<Path> preferred = singles.stream().filter(p -> {
                String n = p.getFileName().toString();
                return n.equals("model.safetensors") || n.equals("diffusion_pytorch_model.safetensors");
            }).toList();
            if (!preferred.isEmpty()) {
                return preferred;
            }
            if (singles.size() > 1) {
                throw new IllegalArgumentException("several .safetensors files in " + componentDir
                        + " and no index: " + singles);
            }
            return singles;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + componentDir, e);
        }
    }
}
