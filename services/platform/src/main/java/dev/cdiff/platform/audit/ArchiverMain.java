package dev.cdiff.platform.audit;

import dev.cdiff.platform.config.ServiceConfig;

import java.util.concurrent.CountDownLatch;

/** The archiver alone in its process (its container image): settings from the environment, stops on SIGTERM. */
public final class ArchiverMain {
    private ArchiverMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        EventArchiver archiver = new EventArchiver(ServiceConfig.fromEnvironment().checkSecrets()).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            archiver.close();
            stopped.countDown();
        }, "archiver-shutdown"));
        stopped.await();
    }
}
