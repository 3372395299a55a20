package dev.cdiff.diffusion.backend;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A libtorch loaded from an engine folder (CDIFF_LIBTORCH) must not pass for DJL's own: DJL reports the version the
 * environment claims, so the fingerprint takes the folder's recorded version and library digest, and refuses a claim
 * the folder contradicts.
 */
class EngineFolderFingerprintTest {
    private static final Path DIR = Path.of("/opt/engines/lt213");
    private static final String PROPERTIES = """
            # written by tools/build_libtorch_engine.sh
            pytorch.version=2.13.0
            pytorch.flavor=cpu
            djl.version=0.33.0
            sha256.libc10.so=1111111111111111111111111111111111111111111111111111111111111111
            sha256.libtorch_cpu.so=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
            """;

    @Test
    void aFolderWithMatchingVersionIsNamedByItsLibraryDigest() {
        assertEquals("PyTorch 2.13.0 (libtorch_cpu.so 0123456789ab)",
                BackendFingerprint.describeOverride("PyTorch 2.13.0", "2.13.0", DIR, PROPERTIES));
    }

    @Test
    void twoBuildsOfOneVersionGetDifferentNames() {
        String other = PROPERTIES.replace("0123456789abcdef0123", "fedcba98765432100123");
        assertTrue(!BackendFingerprint.describeOverride("PyTorch 2.13.0", "2.13.0", DIR, PROPERTIES)
                .equals(BackendFingerprint.describeOverride("PyTorch 2.13.0", "2.13.0", DIR, other)));
    }

    @Test
    void aVersionTheFolderContradictsIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> BackendFingerprint.describeOverride("PyTorch 2.5.1", "2.5.1", DIR, PROPERTIES));
        assertTrue(e.getMessage().contains("reports libtorch 2.5.1") && e.getMessage().contains("records 2.13.0"),
                e.getMessage());
    }

    @Test
    void aFolderWithoutPropertiesIsNamedByItsPath() {
        assertEquals("PyTorch 2.5.1 (libtorch from /opt/engines/lt213, no engine.properties)",
                BackendFingerprint.describeOverride("PyTorch 2.5.1", "2.5.1", DIR, null));
    }

    @Test
    void propertiesWithoutADigestAreRefused() {
        String noDigest = PROPERTIES.lines().filter(l -> !l.startsWith("sha256.libtorch_cpu.so"))
                .reduce("", (a, b) -> a + b + "\n");
        assertThrows(IllegalStateException.class,
                () -> BackendFingerprint.describeOverride("PyTorch 2.13.0", "2.13.0", DIR, noDigest));
    }
}
