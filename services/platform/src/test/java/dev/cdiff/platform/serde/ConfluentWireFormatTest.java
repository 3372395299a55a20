package dev.cdiff.platform.serde;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfluentWireFormatTest {

    @Test
    void headerIsMagicZeroAndBigEndianId() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ConfluentWireFormat.writeHeader(out, 0x01020304);
        byte[] header = out.toByteArray();
        assertEquals(5, header.length);
        assertEquals(0, header[0]);
        assertEquals(1, header[1]);
        assertEquals(4, header[4]);
        assertEquals(0x01020304, ConfluentWireFormat.schemaId(header, "t"));
        ByteArrayOutputStream big = new ByteArrayOutputStream();
        ConfluentWireFormat.writeHeader(big, Integer.MAX_VALUE);
        assertEquals(Integer.MAX_VALUE, ConfluentWireFormat.schemaId(big.toByteArray(), "t"));
    }

    @Test
    void foreignBytesAreNamedAsSuch() {
        SerializationException magic = assertThrows(SerializationException.class,
                () -> ConfluentWireFormat.schemaId(new byte[] {1, 0, 0, 0, 1, 2}, "orders"));
        assertTrue(magic.getMessage().contains("magic byte 0x01") && magic.getMessage().contains("orders"),
                magic.getMessage());
        SerializationException tooShort = assertThrows(SerializationException.class,
                () -> ConfluentWireFormat.schemaId(new byte[] {0, 0, 1}, "orders"));
        assertTrue(tooShort.getMessage().contains("3 bytes"), tooShort.getMessage());
    }

    @Test
    void settingsReadConfluentKeysAndNameWhatIsWrong() {
        SerdeSettings s = SerdeSettings.fromConfig(Map.of(SerdeSettings.SCHEMA_REGISTRY_URL, "http://127.0.0.1:8081",
                SerdeSettings.AUTO_REGISTER_SCHEMAS, "false", SerdeSettings.REQUEST_TIMEOUT_MS, 1500));
        assertEquals("http://127.0.0.1:8081", s.registryUrl());
        assertFalse(s.autoRegisterSchemas());
        assertEquals(Duration.ofMillis(1500), s.requestTimeout());
        assertEquals(s, SerdeSettings.fromConfig(s.toConfig()));
        assertTrue(SerdeSettings.fromConfig(Map.of(SerdeSettings.SCHEMA_REGISTRY_URL, "http://x:1")).autoRegisterSchemas());

        ConfigException missing = assertThrows(ConfigException.class, () -> SerdeSettings.fromConfig(Map.of()));
        assertTrue(missing.getMessage().contains(SerdeSettings.SCHEMA_REGISTRY_URL), missing.getMessage());
        ConfigException badFlag = assertThrows(ConfigException.class, () -> SerdeSettings.fromConfig(Map.of(
                SerdeSettings.SCHEMA_REGISTRY_URL, "http://x:1", SerdeSettings.AUTO_REGISTER_SCHEMAS, "yes")));
        assertTrue(badFlag.getMessage().contains(SerdeSettings.AUTO_REGISTER_SCHEMAS), badFlag.getMessage());
    }

    @Test
    void unconfiguredSerdesSayHowToConfigureThem() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ConfluentAvroGenericDeserializer().deserialize("t", new byte[] {0, 0, 0, 0, 1}));
        assertTrue(e.getMessage().contains(SerdeSettings.SCHEMA_REGISTRY_URL), e.getMessage());
        assertEquals("orders-value", TopicNameStrategy.subject("orders", false));
        assertEquals("orders-key", TopicNameStrategy.subject("orders", true));
    }
}
