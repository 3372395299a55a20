package dev.cdiff.cli.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One process at a time per workspace: two brokers on one log folder corrupt it. Held (an OS file lock on
 * {@code <workspace>/.lock}) while a stack runs; the OS drops it when the process dies, so a crash leaves no stale lock.
 */
public final class WorkspaceLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private WorkspaceLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, or fails at once naming the process that holds it. */
    public static WorkspaceLock acquire(Path workspace) {
        Path file = workspace.toAbsolutePath().resolve(".lock");
        try {
            Files.createDirectories(file.getParent());
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
                channel.close();
                throw new IllegalStateException("the workspace " + workspace + " is in use by another cdiff process"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                        + "; stop it first or choose another --workspace / CDIFF_WORKSPACE");
            }
            channel.truncate(0);
            channel.write(java.nio.ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid())
                    .getBytes(StandardCharsets.UTF_8)), 0);
            return new WorkspaceLock(channel, lock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock the workspace " + workspace, e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
