package dev.cdiff.gateway.keys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiKeyStoreTest {
    @TempDir
    Path dir;

    @Test
    void storeKeepsNeitherTheSecretNorAnUnsaltedHashAndOnlyTheOwnerMayReadIt() throws Exception {
        ApiKeyStore store = new ApiKeyStore(dir.resolve("keys.json"));
        store.addTenant("acme");
        String key = store.createKey("acme").secretText();
        String secret = key.substring(21);
        String file = Files.readString(store.file());
        assertFalse(file.contains(secret), "the secret is not in the file");
        assertFalse(file.contains(java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest
                .getInstance("SHA-256").digest(secret.getBytes()))), "nor its bare hash");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(store.file()));
    }

    @Test
    void aTenantMayHaveSeveralKeysAndRevokingOneLeavesTheOthers() {
        ApiKeyStore store = new ApiKeyStore(dir.resolve("keys.json"));
        store.addTenant("acme");
        ApiKeyStore.IssuedKey first = store.createKey("acme");
        ApiKeyStore.IssuedKey second = store.createKey("acme");
        assertNotEquals(first.keyId(), second.keyId());
        assertTrue(first.secretText().matches("cdk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}"), first.secretText());
        store.revokeKey(first.keyId());
        assertEquals(Optional.empty(), store.authenticate(first.secretText()));
        assertEquals(Optional.of("acme"), store.authenticate(second.secretText()));
    }

    @Test
    void revocationByAnotherProcessIsSeenOnTheNextRequest() {
        ApiKeyStore gateway = new ApiKeyStore(dir.resolve("keys.json"));
        ApiKeyStore cli = new ApiKeyStore(dir.resolve("keys.json"));
        cli.addTenant("acme");
        ApiKeyStore.IssuedKey key = cli.createKey("acme");
        assertEquals(Optional.of("acme"), gateway.authenticate(key.secretText()));
        cli.revokeKey(key.keyId());
        assertEquals(Optional.empty(), gateway.authenticate(key.secretText()));
    }

    @Test
    void aChangedSecretCharacterOrATruncatedKeyIsRefused() {
        ApiKeyStore store = new ApiKeyStore(dir.resolve("keys.json"));
        store.addTenant("acme");
        String key = store.createKey("acme").secretText();
        char last = key.charAt(key.length() - 1);
        assertEquals(Optional.empty(), store.authenticate(key.substring(0, key.length() - 1) + (last == 'A' ? 'B' : 'A')));
        assertEquals(Optional.empty(), store.authenticate(key.substring(0, key.length() - 1)));
        assertEquals(Optional.empty(), store.authenticate(null));
    }

    @Test
    void keysNeedAnExistingTenantAndTenantIdsFollowTheGrammar() {
        ApiKeyStore store = new ApiKeyStore(dir.resolve("keys.json"));
        assertThrows(IllegalArgumentException.class, () -> store.createKey("ghost"));
        assertThrows(IllegalArgumentException.class, () -> store.addTenant("../etc"));
        assertThrows(IllegalArgumentException.class, () -> store.addTenant("Acme"));
        store.addTenant("acme");
        assertThrows(IllegalArgumentException.class, () -> store.addTenant("acme"));
    }
}
