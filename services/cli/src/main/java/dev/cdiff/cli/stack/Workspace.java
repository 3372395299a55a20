package dev.cdiff.cli.stack;

import java.nio.file.Path;

/**
 * The folder that holds everything a local run keeps: broker log, S3 objects, registry (in the broker), service
 * scratch folders, the demo base model and the endpoints of a running stack. Chosen, first match wins, by an explicit
 * option, {@code CDIFF_WORKSPACE}, {@code <cdiff.home>/.workspace} (the launcher sets cdiff.home to the repository),
 * or {@code ./.workspace}.
 */
public final class Workspace {
    public static final String ENV = "CDIFF_WORKSPACE";
    public static final String HOME_PROPERTY = "cdiff.home";

    private Workspace() {
    }

    public static Path resolve(Path explicit) {
        if (explicit != null) {
            return explicit.toAbsolutePath().normalize();
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        String home = System.getProperty(HOME_PROPERTY);
        Path base = home != null && !home.isBlank() ? Path.of(home) : Path.of("");
        return base.resolve(".workspace").toAbsolutePath().normalize();
    }

    /** File in which a running stack publishes its endpoints for the client commands. */
    public static Path endpointsFile(Path workspace) {
        return workspace.resolve("endpoints.properties");
    }

    public static Path logFile(Path workspace) {
        return workspace.resolve("logs").resolve("cdiff.log");
    }
}
