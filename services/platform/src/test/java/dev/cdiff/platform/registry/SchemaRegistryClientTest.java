package dev.cdiff.platform.registry;

import dev.cdiff.schemas.events.JobFailed;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Client behaviour that needs no server; the REST round trips are tested against LocalSchemaRegistry in cdiff-embedded. */
class SchemaRegistryClientTest {

    @Test
    void unreachableRegistryIsReportedWithItsAddress() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        SchemaRegistryClient client = new SchemaRegistryClient("http://127.0.0.1:" + closedPort + "/", Duration.ofSeconds(2));
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> client.register("x-value", JobFailed.getClassSchema()));
        assertEquals(-1, e.httpStatus());
        assertTrue(e.getMessage().contains("127.0.0.1:" + closedPort + "/subjects/x-value/versions"), e.getMessage());
    }

    @Test
    void badUrlsAndLevelsAreRejectedUpFront() {
        assertThrows(IllegalArgumentException.class, () -> new SchemaRegistryClient(""));
        IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class,
                () -> new SchemaRegistryClient("127.0.0.1:8081"));
        assertTrue(scheme.getMessage().contains("http"), scheme.getMessage());
        assertEquals("http://a:1", new SchemaRegistryClient("http://a:1/, http://b:2").baseUrl());

        assertEquals(CompatibilityLevel.FULL_TRANSITIVE, CompatibilityLevel.parse("full_transitive"));
        IllegalArgumentException level = assertThrows(IllegalArgumentException.class, () -> CompatibilityLevel.parse("LOOSE"));
        assertTrue(level.getMessage().contains("LOOSE") && level.getMessage().contains("BACKWARD"), level.getMessage());
    }

    @Test
    void errorCodesMapBothWays() {
        assertEquals(RegistryError.SUBJECT_NOT_FOUND, RegistryError.ofCode(40401));
        assertEquals(404, RegistryError.SUBJECT_NOT_FOUND.httpStatus());
        assertEquals(RegistryError.INCOMPATIBLE_SCHEMA, new SchemaRegistryException(409, 409, "x").error());
        assertEquals(RegistryError.UNKNOWN, new SchemaRegistryException(500, 59999, "x").error());
        SchemaRegistryException e = new SchemaRegistryException(RegistryError.INVALID_SCHEMA, "bad");
        assertEquals(422, e.httpStatus());
        assertEquals(42201, e.errorCode());
        assertEquals("bad", e.serverMessage());
    }
}
