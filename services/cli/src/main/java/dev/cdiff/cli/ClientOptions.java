package dev.cdiff.cli;

import dev.cdiff.cli.stack.Endpoints;
import dev.cdiff.cli.stack.Workspace;
import dev.cdiff.platform.config.ServiceConfig;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;

/** How a client command finds the running pipeline: a workspace's endpoints file, another file, or env variables. */
final class ClientOptions {
    @Option(names = "--workspace", paramLabel = "DIR",
            description = "Workspace of a local stack (default: $CDIFF_WORKSPACE or .workspace in the repository).")
    Path workspace;

    @Option(names = "--endpoints", paramLabel = "FILE",
            description = "Endpoints file (CDIFF_GATEWAY_URL, CDIFF_API_KEY, ...); default:"
                    + " <workspace>/endpoints.properties. Environment variables of the same names win.")
    Path endpointsFile;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "API key (cdk_...); default: $CDIFF_API_KEY or the endpoints file's (the local stack's own key).")
    String apiKey;

    Path workspace() {
        return Workspace.resolve(workspace);
    }

    Endpoints endpoints() {
        Endpoints loaded = Endpoints.load(endpointsFile != null ? endpointsFile : Workspace.endpointsFile(workspace()));
        return apiKey != null ? loaded.with(Endpoints.API_KEY, apiKey) : loaded;
    }

    /** True when the endpoints name a broker that accepts connections. */
    static boolean brokerReachable(Endpoints endpoints) {
        String servers = endpoints.optional(ServiceConfig.KAFKA_BOOTSTRAP_SERVERS).orElse(null);
        if (servers == null) {
            return false;
        }
        String first = servers.split(",")[0].strip();
        int colon = first.lastIndexOf(':');
        if (colon < 0) {
            return false;
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(first.substring(0, colon), Integer.parseInt(first.substring(colon + 1))),
                    1000);
            return true;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }
}
