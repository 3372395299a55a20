package dev.cdiff.cli;

import dev.cdiff.cli.stack.LocalKey;
import dev.cdiff.cli.stack.Workspace;
import dev.cdiff.gateway.GatewaySettings;
import dev.cdiff.gateway.keys.ApiKeyStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cdiff tenant add|list} and {@code cdiff key create|revoke|list}: the gateway's tenant and key store. They
 * edit the store file directly (the gateway notices on its next request), so they run where that file is: the
 * local workspace, or inside the gateway's container.
 */
final class TenantCommands {
    private TenantCommands() {
    }

    /** Which store file: --keys, else $GATEWAY_KEYS_FILE, else the workspace's. */
    static final class StoreOptions {
        @Option(names = "--keys", paramLabel = "FILE",
                description = "Tenant and key store (default: $GATEWAY_KEYS_FILE or <workspace>/gateway/keys.json).")
        Path keysFile;

        @Option(names = "--workspace", paramLabel = "DIR",
                description = "Workspace of a local stack (default: $CDIFF_WORKSPACE or .workspace in the repository).")
        Path workspace;

        ApiKeyStore store() {
            if (keysFile != null) {
                return new ApiKeyStore(keysFile);
            }
            String env = System.getenv(GatewaySettings.KEYS_FILE);
            if (env != null && !env.isBlank()) {
                return new ApiKeyStore(Path.of(env));
            }
            return new ApiKeyStore(LocalKey.keysFile(Workspace.resolve(workspace).toAbsolutePath()));
        }
    }

    @Command(name = "tenant", mixinStandardHelpOptions = true, description = "Adds or lists tenants.",
            subcommands = {TenantAdd.class, TenantList.class})
    static final class Tenant implements Runnable {
        @Override
        public void run() {
            picocli.CommandLine.usage(this, System.out);
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Adds a tenant (1-63 of a-z, 0-9 and '-'); give it a key with 'key create'.")
    static final class TenantAdd implements Callable<Integer> {
        @Mixin
        StoreOptions options = new StoreOptions();

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            ApiKeyStore store = options.store();
            store.addTenant(name);
            System.out.println("tenant " + name + " added to " + store.file());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists tenants and their keys (ids, creation and revocation times; never a secret).")
    static final class TenantList implements Callable<Integer> {
        @Mixin
        StoreOptions options = new StoreOptions();

        @Override
        public Integer call() {
            print(options.store(), null);
            return 0;
        }
    }

    @Command(name = "key", mixinStandardHelpOptions = true, description = "Creates, revokes or lists API keys.",
            subcommands = {KeyCreate.class, KeyRevoke.class, KeyList.class})
    static final class Key implements Runnable {
        @Override
        public void run() {
            picocli.CommandLine.usage(this, System.out);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Creates a key for a tenant and prints it once: only a salted hash is kept.")
    static final class KeyCreate implements Callable<Integer> {
        @Mixin
        StoreOptions options = new StoreOptions();

        @Parameters(paramLabel = "TENANT")
        String tenant;

        @Override
        public Integer call() {
            ApiKeyStore.IssuedKey key = options.store().createKey(tenant);
            System.err.println("key " + key.keyId() + " of tenant " + tenant
                    + " (shown once; send it as 'Authorization: Bearer <key>'):");
            System.out.println(key.secretText());
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revokes a key by its id (the 16 hex digits after cdk_); it stops working at once.")
    static final class KeyRevoke implements Callable<Integer> {
        @Mixin
        StoreOptions options = new StoreOptions();

        @Parameters(paramLabel = "KEY_ID")
        String keyId;

        @Override
        public Integer call() {
            ApiKeyStore.KeyInfo info = options.store().revokeKey(keyId);
            System.out.println("key " + info.keyId() + " of tenant " + info.tenant() + " revoked at "
                    + info.revokedAt());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists keys (of one tenant when given); never a secret.")
    static final class KeyList implements Callable<Integer> {
        @Mixin
        StoreOptions options = new StoreOptions();

        @Parameters(paramLabel = "TENANT", arity = "0..1")
        String tenant;

        @Override
        public Integer call() {
            print(options.store(), tenant);
            return 0;
        }
    }

    static void print(ApiKeyStore store, String onlyTenant) {
        List<String> tenants = onlyTenant == null ? store.tenants() : List.of(onlyTenant);
        for (String tenant : tenants) {
            System.out.println(tenant);
            store.keys().stream().filter(k -> k.tenant().equals(tenant)).forEach(k -> System.out.println(
                    "  key " + k.keyId() + "  created " + k.createdAt()
                            + (k.revoked() ? "  REVOKED " + k.revokedAt() : "  active")));
        }
        if (tenants.isEmpty()) {
            System.err.println("no tenants in " + store.file() + "; add one with: tenant add NAME");
        }
    }
}
