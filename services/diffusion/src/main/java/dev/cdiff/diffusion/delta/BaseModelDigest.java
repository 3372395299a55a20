package dev.cdiff.diffusion.delta;

import dev.cdiff.diffusion.io.ModelFolder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Identity of the base model a delta was trained on: SHA-256 over the bytes of the UNet weight files followed by
 * the text-encoder weight files (both in {@link ModelFolder#weightFiles} order). Hashing a real 3.4 GB UNet takes
 * seconds, so results are cached per file set, size and modification time.
 */
public final class BaseModelDigest {
    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private BaseModelDigest() {
    }

    public static String of(Path modelDir) {
        ModelFolder folder = new ModelFolder(modelDir);
        List<Path> files = new ArrayList<>(ModelFolder.weightFiles(folder.unetDir()));
        files.addAll(ModelFolder.weightFiles(folder.textEncoderDir()));
        StringBuilder key = new StringBuilder();
        try {
            for (Path f : files) {
                key.append(f.toAbsolutePath()).append('|').append(Files.size(f)).append('|')
                        .append(Files.getLastModifiedTime(f).toMillis()).append(';');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat base model files in " + modelDir, e);
        }
        return CACHE.computeIfAbsent(key.toString(), k -> hash(files));
    }

    private static String hash(List<Path> files) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (Path f : files) {
                try (InputStream in = Files.newInputStream(f)) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        md.update(buf, 0, n);
                    }
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read base model weights", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
