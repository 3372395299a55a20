package dev.cdiff.embedded;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Files only their owner may read: they hold passwords. */
final class OwnerOnlyFiles {
    private OwnerOnlyFiles() {
    }

    /** Creates an empty file with mode 0600 (on a POSIX file system), so no other user ever sees its content. */
    static void create(Path file) throws IOException {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(file);
        }
    }
}
