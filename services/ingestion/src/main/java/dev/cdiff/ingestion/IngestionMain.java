package dev.cdiff.ingestion;

import dev.cdiff.platform.config.ServiceConfig;

import java.util.concurrent.CountDownLatch;

/**
 * Runs ingestion alone. Settings come from environment variables, over the properties file named by CDIFF_CONFIG
 * (see {@link ServiceConfig} and {@link IngestionSettings}).
 */
public final class IngestionMain {
    private IngestionMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        IngestionService service = new IngestionService(ServiceConfig.fromEnvironment().checkSecrets()).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "ingestion-shutdown"));
        stopped.await();
    }
}
