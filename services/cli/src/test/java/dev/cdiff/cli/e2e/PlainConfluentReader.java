package dev.cdiff.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What any Confluent-compatible consumer does, written from the wire-format description and the registry's REST API
 * only (none of the project's serde or registry classes): byte 0 is the magic 0, bytes 1-4 the big-endian schema
 * id, the rest Avro binary; the writer schema comes from {@code GET /schemas/ids/{id}}.
 */
final class PlainConfluentReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String registryUrl;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<Integer, Schema> schemas = new HashMap<>();

    PlainConfluentReader(String registryUrl) {
        this.registryUrl = registryUrl;
    }

    record Decoded(int schemaId, Schema writer, GenericRecord record) {
    }

    Decoded decode(byte[] framed) throws IOException, InterruptedException {
        if (framed == null || framed.length < 5) {
            throw new IllegalArgumentException("record shorter than the 5-byte Confluent header");
        }
        if (framed[0] != 0) {
            throw new IllegalArgumentException("magic byte is " + framed[0] + ", expected 0");
        }
        int id = ByteBuffer.wrap(framed, 1, 4).getInt();
        Schema writer = schemaById(id);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(framed, 5, framed.length - 5, null);
        GenericRecord record = new GenericDatumReader<GenericRecord>(writer).read(null, decoder);
        if (!decoder.isEnd()) {
            throw new IllegalArgumentException("schema " + id + " did not consume the whole record");
        }
        return new Decoded(id, writer, record);
    }

    Schema schemaById(int id) throws IOException, InterruptedException {
        Schema known = schemas.get(id);
        if (known != null) {
            return known;
        }
        JsonNode answer = get("/schemas/ids/" + id);
        Schema parsed = new Schema.Parser().parse(answer.path("schema").asText());
        schemas.put(id, parsed);
        return parsed;
    }

    /** Ids of every version registered under the subject. */
    Set<Integer> idsUnder(String subject) throws IOException, InterruptedException {
        Set<Integer> ids = new HashSet<>();
        for (JsonNode version : get("/subjects/" + subject + "/versions")) {
            ids.add(get("/subjects/" + subject + "/versions/" + version.asInt()).path("id").asInt());
        }
        return ids;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(registryUrl + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }
}
