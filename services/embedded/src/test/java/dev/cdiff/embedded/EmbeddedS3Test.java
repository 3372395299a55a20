package dev.cdiff.embedded;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.errors.ErrorResponseException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedS3Test {

    @TempDir
    Path workspace;

    @Test
    void objectsSurviveRestartAndWrongSecretIsRefused() throws Exception {
        EmbeddedS3 s3 = new EmbeddedS3(workspace);
        long t0 = System.nanoTime();
        s3.start();
        System.out.printf("EmbeddedS3 start: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        byte[] body = "hello artifacts".getBytes(StandardCharsets.UTF_8);
        try {
            assertTrue(s3.endpoint().startsWith("http://127.0.0.1:"));
            MinioClient client = client(s3.endpoint(), s3.accessKey(), s3.secretKey());
            client.makeBucket(MakeBucketArgs.builder().bucket("unit").build());
            client.putObject(PutObjectArgs.builder().bucket("unit").object("a/b.txt")
                    .stream(new ByteArrayInputStream(body), body.length, -1).contentType("text/plain").build());

            MinioClient intruder = client(s3.endpoint(), s3.accessKey(), "wrong-secret");
            ErrorResponseException refused = assertThrows(ErrorResponseException.class,
                    () -> intruder.bucketExists(BucketExistsArgs.builder().bucket("unit").build()));
            System.out.println("wrong secret refused with " + refused.errorResponse().code());
        } finally {
            s3.stop();
        }

        long t1 = System.nanoTime();
        s3.start();
        System.out.printf("EmbeddedS3 restart: %d ms%n", (System.nanoTime() - t1) / 1_000_000);
        try {
            MinioClient client = client(s3.endpoint(), s3.accessKey(), s3.secretKey());
            try (InputStream in = client.getObject(GetObjectArgs.builder().bucket("unit").object("a/b.txt").build())) {
                assertEquals("hello artifacts", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } finally {
            s3.stop();
        }
    }

    private static MinioClient client(String endpoint, String access, String secret) {
        return MinioClient.builder().endpoint(endpoint).credentials(access, secret).build();
    }
}
