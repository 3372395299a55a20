package dev.cdiff.merging;

import dev.cdiff.platform.config.ServiceConfig;

import java.util.concurrent.CountDownLatch;

/** Runs the merging service alone; settings from the environment over the CDIFF_CONFIG properties file. */
public final class MergingMain {
    private MergingMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        MergingService service = new MergingService(ServiceConfig.fromEnvironment().checkSecrets()).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "merging-shutdown"));
        stopped.await();
    }
}
