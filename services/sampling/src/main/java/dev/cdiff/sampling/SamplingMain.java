package dev.cdiff.sampling;

import dev.cdiff.platform.config.ServiceConfig;

import java.util.concurrent.CountDownLatch;

/** Runs the sampling service alone; settings from the environment over the CDIFF_CONFIG properties file. */
public final class SamplingMain {
    private SamplingMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        SamplingService service = new SamplingService(ServiceConfig.fromEnvironment().checkSecrets()).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "sampling-shutdown"));
        stopped.await();
    }
}
