package dev.cdiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.cli.client.GatewayClient;
import dev.cdiff.cli.client.NamedImage;
import dev.cdiff.cli.demo.DemoConcept;
import dev.cdiff.cli.events.JobPoller;
import dev.cdiff.cli.stack.Endpoints;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code cdiff submit}: uploads a concept through the public API. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Uploads a concept's images (files or folders of .png/.jpg/.webp) through the public API with the"
                + " API key and prints the job id; --wait follows the job to its end with a training progress bar.")
final class SubmitCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client = new ClientOptions();

    @Option(names = "--name", description = "Concept name (default: the example's or the first folder's name).")
    String name;

    @Option(names = "--class", paramLabel = "WORD", description = "Class word, e.g. dog (required unless --example).")
    String classWord;

    @Option(names = "--initializer", paramLabel = "WORD", description = "Word whose embedding starts the new token.")
    String initializer;

    @Option(names = "--caption", description = "Caption per image, in image order (repeatable).")
    List<String> captions = new ArrayList<>();

    @Option(names = "--example", paramLabel = "NAME",
            description = "Upload a bundled example instead of files: checker-circle or striped-square.")
    String example;

    @Option(names = "--wait", description = "Follow the job until it is done or failed.")
    boolean waitForEnd;

    @Option(names = "--timeout", paramLabel = "MINUTES", defaultValue = "30", description = "With --wait: give up after.")
    int timeoutMinutes;

    @Parameters(paramLabel = "IMAGE", arity = "0..*", description = "Image files or folders.")
    List<Path> inputs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Endpoints endpoints = client.endpoints();
        List<NamedImage> images;
        String conceptName = name;
        String cls = classWord;
        String init = initializer;
        if (example != null) {
            DemoConcept concept = exampleNamed(example);
            images = concept.images();
            conceptName = conceptName != null ? conceptName : concept.conceptName();
            cls = cls != null ? cls : concept.classWord();
            init = init != null ? init : concept.initializerWord();
        } else {
            if (inputs.isEmpty()) {
                throw new IllegalArgumentException("give image files or folders, or --example NAME");
            }
            if (cls == null) {
                throw new IllegalArgumentException("--class is required (the category of the concept, e.g. dog)");
            }
            images = collect(inputs);
            conceptName = conceptName != null ? conceptName : inputs.get(0).toAbsolutePath().getFileName().toString();
        }
        GatewayClient api = endpoints.gateway();
        GatewayClient.Answer answer = api.submit(conceptName, cls, init, images, captions);
        if (!answer.ok()) {
            System.err.println("refused: " + answer.describe());
            return 2;
        }
        System.out.println(answer.jobId());
        if (waitForEnd) {
            try {
                JsonNode done = new JobPoller(api, true).awaitDone(answer.jobId(), conceptName,
                        Duration.ofMinutes(timeoutMinutes));
                done.path("samples").path("images").forEach(i -> System.out.println("s3://"
                        + i.path("bucket").asText() + "/" + i.path("key").asText()));
            } catch (JobPoller.JobFailedException e) {
                System.err.println(e.getMessage());
                return 1;
            }
        }
        return 0;
    }

    static DemoConcept exampleNamed(String name) {
        for (DemoConcept c : DemoConcept.values()) {
            if (c.folder().equalsIgnoreCase(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown example '" + name + "'; bundled: checker-circle, striped-square");
    }

    static List<NamedImage> collect(List<Path> inputs) throws IOException {
        List<NamedImage> out = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> files = Files.list(p)) {
                    for (Path f : files.filter(Files::isRegularFile).filter(SubmitCommand::isImage).sorted().toList()) {
                        out.add(NamedImage.of(f));
                    }
                }
            } else if (Files.isRegularFile(p)) {
                out.add(NamedImage.of(p));
            } else {
                throw new IllegalArgumentException("no such image file or folder: " + p);
            }
        }
        return out;
    }

    private static boolean isImage(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".webp");
    }
}
