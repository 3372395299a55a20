package dev.cdiff.training;

import dev.cdiff.platform.config.ServiceConfig;

import java.util.concurrent.CountDownLatch;

/** Runs the training worker alone; settings from the environment over the CDIFF_CONFIG properties file. */
public final class TrainingMain {
    private TrainingMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        TrainingService service = new TrainingService(ServiceConfig.fromEnvironment().checkSecrets()).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "training-shutdown"));
        stopped.await();
    }
}
