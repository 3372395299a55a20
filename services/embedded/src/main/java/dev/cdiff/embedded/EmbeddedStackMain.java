package dev.cdiff.embedded;

/**
 * {@code java -cp ... dev.cdiff.embedded.EmbeddedStackMain [workspace] [--kafka-port N] [--s3-port N]
 * [--registry-port N] [--topic-prefix P]}: runs broker, S3 and schema registry until Ctrl-C and prints their URLs.
 *
 * <p>S3Proxy brings logback, whose default is DEBUG for everything (thousands of lines a second). Unless the
 * application configures logging itself, this entry point selects {@code cdiff-embedded-standalone-logback.xml}
 * before any logger exists; that is why it is a class of its own with no logger field.
 */
public final class EmbeddedStackMain {

    private EmbeddedStackMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        ClassLoader loader = EmbeddedStackMain.class.getClassLoader();
        if (System.getProperty("logback.configurationFile") == null
                && loader.getResource("logback.xml") == null && loader.getResource("logback-test.xml") == null) {
            System.setProperty("logback.configurationFile", "cdiff-embedded-standalone-logback.xml");
        }
        EmbeddedStack.runUntilStopped(args);
    }
}
