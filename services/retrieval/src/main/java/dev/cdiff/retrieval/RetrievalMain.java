package dev.cdiff.retrieval;

import dev.cdiff.platform.config.ServiceConfig;

import java.util.concurrent.CountDownLatch;

/** Runs retrieval alone; settings from the environment over the CDIFF_CONFIG properties file. */
public final class RetrievalMain {
    private RetrievalMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        RetrievalService service = new RetrievalService(ServiceConfig.fromEnvironment().checkSecrets()).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "retrieval-shutdown"));
        stopped.await();
    }
}
