package dev.cdiff.cli.events;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.cli.client.GatewayClient;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * Waits for a job through the public API: polls its status until the stage is DONE or FAILED, with a progress bar
 * over the training steps when {@code bars} is on.
 */
public final class JobPoller {
    private static final Duration EVERY = Duration.ofMillis(300);

    private final GatewayClient api;
    private final boolean bars;

    public JobPoller(GatewayClient api, boolean bars) {
        this.api = api;
        this.bars = bars;
    }

    /** A job that ended FAILED; the message carries its stage and reason. */
    public static final class JobFailedException extends RuntimeException {
        JobFailedException(String jobId, JsonNode error) {
            super("job " + jobId + " failed" + (error.has("stage") ? " at " + error.path("stage").asText() : "")
                    + ": " + error.path("reason").asText("(no reason given)")
                    + (error.has("errorClass") ? " (" + error.path("errorClass").asText() + ")" : ""));
        }
    }

    /** The job's final status once DONE; throws when it FAILED or the time is up. */
    public JsonNode awaitDone(String jobId, String label, Duration timeout)
            throws IOException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ProgressBar bar = null;
        try {
            while (System.nanoTime() < deadline) {
                JsonNode job = api.job(jobId).orElse(null);
                if (job != null) {
                    String stage = job.path("stage").asText();
                    JsonNode progress = job.path("progress");
                    if (bars && progress.has("totalSteps") && !"DONE".equals(stage)) {
                        if (bar == null) {
                            bar = new ProgressBarBuilder().setTaskName("training " + label)
                                    .setInitialMax(progress.path("totalSteps").asInt()).setStyle(ProgressBarStyle.ASCII)
                                    .setUpdateIntervalMillis(250).continuousUpdate().setUnit(" steps", 1).build();
                        }
                        bar.stepTo(progress.path("step").asInt());
                        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", progress.path("loss").asDouble()));
                    }
                    if ("DONE".equals(stage)) {
                        if (bar != null) {
                            bar.stepTo(bar.getMax());
                        }
                        return job;
                    }
                    if ("FAILED".equals(stage)) {
                        throw new JobFailedException(jobId, job.path("error"));
                    }
                }
                Thread.sleep(EVERY.toMillis());
            }
            throw new TimeoutException("job " + jobId + " did not finish within " + timeout);
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
