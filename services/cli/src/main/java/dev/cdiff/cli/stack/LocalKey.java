package dev.cdiff.cli.stack;

import dev.cdiff.gateway.keys.ApiKeyStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The local stack's tenant store ({@code <workspace>/gateway/keys.json}) and the key the CLI itself uses on it,
 * kept in {@code <workspace>/gateway/cli-key} (owner-only) like a credentials file: made once, reused while it
 * still authenticates, replaced when it was revoked.
 */
public final class LocalKey {
    private LocalKey() {
    }

    public static Path keysFile(Path workspace) {
        return workspace.resolve("gateway").resolve("keys.json");
    }

    static Path keyFile(Path workspace) {
        return workspace.resolve("gateway").resolve("cli-key");
    }

    /** The CLI's key of {@code tenant}, creating the tenant and the key when needed. */
    public static String ensure(Path workspace, String tenant) {
        ApiKeyStore store = new ApiKeyStore(keysFile(workspace));
        Path keyFile = keyFile(workspace);
        try {
            if (Files.exists(keyFile)) {
                String key = Files.readString(keyFile, StandardCharsets.US_ASCII).strip();
                if (store.authenticate(key).filter(tenant::equals).isPresent()) {
                    return key;
                }
            }
            if (!store.tenants().contains(tenant)) {
                store.addTenant(tenant);
            }
            String key = store.createKey(tenant).secretText();
            Files.createDirectories(keyFile.getParent());
            Path tmp = keyFile.resolveSibling("cli-key.tmp");
            Files.writeString(tmp, key + "\n", StandardCharsets.US_ASCII);
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            }
            Files.move(tmp, keyFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the CLI's key in " + keyFile, e);
        }
    }
}
