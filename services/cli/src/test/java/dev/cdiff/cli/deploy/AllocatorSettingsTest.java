package dev.cdiff.cli.deploy;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The allocator settings that the step times of docs/performance.md depend on (glibc's arena and thresholds,
 * libtorch's huge pages) are environment variables read before the JVM's first engine call, so each way of starting a
 * JVM sets them itself: the launcher, the one-image Dockerfile and the per-service Jib images. They must agree, or a
 * container runs slower than the figures measured through the launcher without any error to say so.
 */
class AllocatorSettingsTest {
    static final Path ROOT = KubernetesManifestsTest.ROOT;
    static final List<String> VARIABLES = List.of("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_",
            "MALLOC_TRIM_THRESHOLD_", "THP_MEM_ALLOC_ENABLE");
    private static final Pattern LAUNCHER_DEFAULT = Pattern.compile("(?m)^export (\\w+)=\"\\$\\{(\\w+):-([^}]*)}\"");
    private static final Pattern ENV_PAIR = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)");

    @Test
    void launcherDockerfileAndJibImagesSetTheSameAllocatorEnvironment() throws Exception {
        Map<String, String> launcher = launcherDefaults(Files.readString(ROOT.resolve("cdiff")));
        Map<String, String> dockerfile = dockerfileEnv(Files.readString(ROOT.resolve("deploy/Dockerfile")));
        Map<String, String> jib = jibEnvironment(ROOT.resolve("pom.xml"));
        for (String name : VARIABLES) {
            String expected = launcher.get(name);
            assertNotNull(expected, "the launcher does not export " + name);
            assertEquals(expected, dockerfile.get(name), "deploy/Dockerfile ENV " + name);
            assertEquals(expected, jib.get(name), "Jib <environment> " + name + " in the root pom");
        }
    }

    @Test
    void parsersReadEachFormatAndMissAnAbsentVariable() {
        // the two text readers decide the test as much as the files do: each on a sample, including a variable the
        // Dockerfile only sets in a RUN line, which is not the image's environment (the pom is read through the DOM)
        assertEquals(Map.of("THP_MEM_ALLOC_ENABLE", "1"),
                launcherDefaults("export THP_MEM_ALLOC_ENABLE=\"${THP_MEM_ALLOC_ENABLE:-1}\"\nexport OTHER=x\n"));
        assertEquals(Map.of("A", "1", "B", "2"), dockerfileEnv("FROM x\nENV A=1 \\\n    B=2\nCOPY a b\n"));
        assertNull(dockerfileEnv("FROM x\nENV A=1\nRUN B=2\n").get("B"));
    }

    /** {@code export NAME="${NAME:-default}"} lines: the default the launcher gives when the caller sets nothing. */
    static Map<String, String> launcherDefaults(String script) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = LAUNCHER_DEFAULT.matcher(script);
        while (m.find()) {
            if (m.group(1).equals(m.group(2))) {
                out.put(m.group(1), m.group(3));
            }
        }
        return out;
    }

    /** The NAME=value pairs of the Dockerfile's ENV instructions, continuation lines included. */
    static Map<String, String> dockerfileEnv(String dockerfile) {
        Map<String, String> out = new LinkedHashMap<>();
        String joined = dockerfile.replaceAll("\\\\\\n", " ");
        for (String line : joined.split("\n")) {
            if (!line.startsWith("ENV ")) {
                continue;
            }
            Matcher m = ENV_PAIR.matcher(line.substring(4));
            while (m.find()) {
                out.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
            }
        }
        return out;
    }

    /** The root pom's Jib container environment, which every image module inherits. */
    static Map<String, String> jibEnvironment(Path pom) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
        Map<String, String> out = new LinkedHashMap<>();
        NodeList environments = doc.getElementsByTagName("environment");
        for (int i = 0; i < environments.getLength(); i++) {
            NodeList children = environments.item(i).getChildNodes();
            for (int j = 0; j < children.getLength(); j++) {
                Node child = children.item(j);
                if (child instanceof Element e) {
                    out.put(e.getTagName(), e.getTextContent().strip());
                }
            }
        }
        return out;
    }
}
