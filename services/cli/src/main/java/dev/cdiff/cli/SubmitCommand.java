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

/** {@code cdiff submit}: uploads a concept, or several for one joint job, through the public API. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Uploads a concept's images (files or folders of .png/.jpg/.webp) through the public API with the"
                + " API key and prints the job id; --wait follows the job to its end with a training progress bar."
                + " Repeat --concept to train 2-4 concepts jointly into one delta.")
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

    @Option(names = "--concept", paramLabel = "SPEC",
            description = "One concept of a joint job (repeat, 2-4 times): comma-separated key=value pairs"
                    + " name=..., class=..., token=<newN> (default <new1>, <new2>... by position),"
                    + " images=FILE_OR_FOLDER (repeatable key), initializer=WORD, or example=checker-circle instead"
                    + " of images. E.g. --concept class=dog,images=dog/ --concept class=cat,token=<new2>,images=cat/")
    List<String> concepts = new ArrayList<>();

    @Parameters(paramLabel = "IMAGE", arity = "0..*", description = "Image files or folders.")
    List<Path> inputs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Endpoints endpoints = client.endpoints();
        if (!concepts.isEmpty()) {
            return submitJoint(endpoints);
        }
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
        return report(api, answer, conceptName);
    }

    private int submitJoint(Endpoints endpoints) throws Exception {
        if (!inputs.isEmpty() || example != null || classWord != null || name != null || !captions.isEmpty()) {
            throw new IllegalArgumentException("with --concept, give every concept's images, class and name inside its"
                    + " --concept (images=..., class=..., name=...)");
        }
        if (concepts.size() < 2) {
            throw new IllegalArgumentException("a joint job needs at least two --concept options; submit a single"
                    + " concept with IMAGE arguments");
        }
        List<GatewayClient.JointConceptUpload> uploads = new ArrayList<>();
        for (String spec : concepts) {
            uploads.add(parseConcept(spec));
        }
        GatewayClient api = endpoints.gateway();
        String label = String.join(" + ", uploads.stream().map(GatewayClient.JointConceptUpload::conceptName).toList());
        return report(api, api.submitJoint(uploads), label);
    }

    /** {@code name=...,class=...,token=<new2>,images=dir[,images=more][,initializer=w]} or {@code example=NAME}. */
    static GatewayClient.JointConceptUpload parseConcept(String spec) throws IOException {
        String conceptName = null;
        String cls = null;
        String token = null;
        String init = null;
        List<Path> paths = new ArrayList<>();
        DemoConcept bundled = null;
        for (String pair : spec.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--concept '" + spec + "': '" + pair + "' is not key=value");
            }
            String key = pair.substring(0, eq).strip();
            String value = pair.substring(eq + 1).strip();
            switch (key) {
                case "name" -> conceptName = value;
                case "class" -> cls = value;
                case "token" -> token = value;
                case "initializer" -> init = value;
                case "images" -> paths.add(Path.of(value));
                case "example" -> bundled = exampleNamed(value);
                default -> throw new IllegalArgumentException("--concept '" + spec + "': unknown key '" + key
                        + "'; use name, class, token, images, initializer or example");
            }
        }
        List<NamedImage> images;
        if (bundled != null) {
            if (!paths.isEmpty()) {
                throw new IllegalArgumentException("--concept '" + spec + "': give images or example, not both");
            }
            images = bundled.images();
            conceptName = conceptName != null ? conceptName : bundled.conceptName();
            cls = cls != null ? cls : bundled.classWord();
            init = init != null ? init : bundled.initializerWord();
        } else {
            if (paths.isEmpty() || cls == null) {
                throw new IllegalArgumentException("--concept '" + spec + "': images=... and class=... are required");
            }
            images = collect(paths);
            conceptName = conceptName != null ? conceptName : paths.get(0).toAbsolutePath().getFileName().toString();
        }
        return new GatewayClient.JointConceptUpload(conceptName, cls, init, token, images, List.of());
    }

    private int report(GatewayClient api, GatewayClient.Answer answer, String conceptName) throws Exception {
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
