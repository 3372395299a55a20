package dev.cdiff.cli.deploy;

import dev.cdiff.cli.stack.PipelineService;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docker-compose.yml runs every service from the image its Maven module builds with Jib, and the slim images stay
 * slim: the modules behind them do not depend on the ML core or DJL, so no libtorch lands in them.
 */
class ComposeImagesTest {
    static final Path ROOT = KubernetesManifestsTest.ROOT;
    /** Services whose images must carry no libtorch. */
    static final List<String> SLIM = List.of("ingestion", "orchestrator", "gateway", "archiver");

    record ImageModule(Path pom, String mainClass, List<String> dependencies) {
    }

    /** Every module that builds an image, by image name: its pom sets jib.skip=false and names the image and main class. */
    static Map<String, ImageModule> imageModules() throws Exception {
        Map<String, ImageModule> out = new HashMap<>();
        try (Stream<Path> poms = Files.list(ROOT.resolve("services")).map(d -> d.resolve("pom.xml")).filter(Files::exists)) {
            for (Path pom : poms.toList()) {
                Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
                Map<String, String> props = new HashMap<>();
                NodeList properties = doc.getDocumentElement().getElementsByTagName("properties");
                if (properties.getLength() > 0) {
                    NodeList children = properties.item(0).getChildNodes();
                    for (int i = 0; i < children.getLength(); i++) {
                        if (children.item(i) instanceof Element e) {
                            props.put(e.getTagName(), e.getTextContent().strip());
                        }
                    }
                }
                if (!"false".equals(props.get("jib.skip"))) {
                    continue;
                }
                List<String> deps = new ArrayList<>();
                NodeList dependencies = doc.getElementsByTagName("dependency");
                for (int i = 0; i < dependencies.getLength(); i++) {
                    Element d = (Element) dependencies.item(i);
                    NodeList scope = d.getElementsByTagName("scope");
                    if (scope.getLength() == 0 || !scope.item(0).getTextContent().equals("test")) {
                        deps.add(d.getElementsByTagName("groupId").item(0).getTextContent() + ":"
                                + d.getElementsByTagName("artifactId").item(0).getTextContent());
                    }
                }
                out.put(props.get("cdiff.image.name"), new ImageModule(pom, props.get("cdiff.main.class"), deps));
            }
        }
        return out;
    }

    @Test
    void composeRunsEveryServiceFromItsOwnImage() throws Exception {
        Map<String, Object> services = YamlDocuments.map(YamlDocuments.readOne(ROOT.resolve("docker-compose.yml")),
                "services");
        Map<String, ImageModule> modules = imageModules();
        for (String name : PipelineService.names()) {
            Map<String, Object> service = YamlDocuments.map(services, name);
            String image = (String) service.get("image");
            assertNotNull(image, name);
            assertTrue(image.startsWith("cdiff/" + name + ":"), name + " runs " + image);
            assertFalse(service.containsKey("build"), name + " is built by Jib, not by a Dockerfile");
            assertFalse(service.containsKey("command"), name + ": the image's entry point is the service's main class");
            ImageModule module = modules.get(name);
            assertNotNull(module, "no Maven module builds the image of " + name);
            Method main = Class.forName(module.mainClass()).getMethod("main", String[].class);
            assertTrue(Modifier.isStatic(main.getModifiers()), module.mainClass());
        }
        assertTrue(((String) YamlDocuments.map(services, "training").get("image")).endsWith("${TRAINING_IMAGE_VARIANT:-}"),
                "compose can run the -cuda image of training");
        assertEquals("cdiff/cli", ((String) YamlDocuments.map(services, "admin").get("image")).split(":")[0]);
        assertNotNull(modules.get("cli"), "the admin tool's image");
    }

    @Test
    void slimImagesDependOnNeitherTheMlCoreNorDjl() throws Exception {
        Map<String, ImageModule> modules = imageModules();
        for (String name : SLIM) {
            for (String dependency : modules.get(name).dependencies()) {
                assertFalse(dependency.equals("dev.cdiff:cdiff-diffusion") || dependency.startsWith("ai.djl")
                                || dependency.equals("dev.cdiff:cdiff-cli") || dependency.equals("dev.cdiff:cdiff-retrieval")
                                || dependency.equals("dev.cdiff:cdiff-training") || dependency.equals("dev.cdiff:cdiff-sampling")
                                || dependency.equals("dev.cdiff:cdiff-merging"),
                        name + " would carry libtorch through " + dependency);
            }
        }
    }
}
