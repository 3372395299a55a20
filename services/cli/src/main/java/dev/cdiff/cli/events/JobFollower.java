package dev.cdiff.cli.events;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Waits for jobs through their events and draws a progress bar per training run (from TrainingProgress step and
 * total), so long work is visible while it happens.
 */
public final class JobFollower implements AutoCloseable {
    /** Events that end a job unsuccessfully. */
    public static final Set<String> FAILURES = Set.of("JobFailed", "ConceptRejected");

    private final EventWatcher watcher;
    private final boolean bars;
    private final Function<String, String> labelOfJob;
    private final Map<String, ProgressBar> training = new ConcurrentHashMap<>();

    /** A job ended with a failure event. */
    public static final class JobFailedException extends RuntimeException {
        private final ObservedEvent event;

        JobFailedException(ObservedEvent event) {
            super("job " + event.jobId() + " failed: " + event.type() + " " + describe(event));
            this.event = event;
        }

        public ObservedEvent event() {
            return event;
        }

        private static String describe(ObservedEvent e) {
            String stage = e.text("stage");
            String reason = e.text("reason");
            String code = e.text("errorClass") != null ? e.text("errorClass") : e.text("reasonCode");
            return (stage != null ? "at " + stage + ": " : "") + reason + (code != null ? " (" + code + ")" : "");
        }
    }

    /**
     * @param bars       draw progress bars (off for tests and non-interactive output)
     * @param labelOfJob short name of a job for its bar
     */
    public JobFollower(EventWatcher watcher, boolean bars, Function<String, String> labelOfJob) {
        this.watcher = watcher;
        this.bars = bars;
        this.labelOfJob = labelOfJob;
        if (bars) {
            watcher.onEvent(this::onEvent);
        }
    }

    private void onEvent(ObservedEvent e) {
        if ("TrainingProgress".equals(e.type())) {
            Object total = e.field("totalSteps");
            Object step = e.field("step");
            if (!(total instanceof Integer t) || !(step instanceof Integer s)) {
                return;
            }
            ProgressBar bar = training.computeIfAbsent(e.jobId(), job -> new ProgressBarBuilder()
                    .setTaskName("training " + labelOfJob.apply(job))
                    .setInitialMax(t)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250)
                    .continuousUpdate()
                    .setUnit(" steps", 1)
                    .build());
            bar.stepTo(s);
            Object loss = e.field("loss");
            if (loss instanceof Double l) {
                bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", l));
            }
        } else if ("TrainingCompleted".equals(e.type()) || "TrainingFailed".equals(e.type())) {
            ProgressBar bar = training.remove(e.jobId());
            if (bar != null) {
                if ("TrainingCompleted".equals(e.type())) {
                    bar.stepTo(bar.getMax());
                }
                bar.close();
            }
        }
    }

    /**
     * The job's first event of one of the {@code doneTypes}.
     *
     * @throws JobFailedException when a failure event of the job arrives first
     */
    public ObservedEvent awaitDone(String jobId, Set<String> doneTypes, Duration timeout)
            throws TimeoutException, InterruptedException {
        ObservedEvent end = watcher.await(e -> e.belongsTo(jobId)
                        && (doneTypes.contains(e.type()) || FAILURES.contains(e.type())), timeout,
                "job " + jobId + " to reach " + doneTypes);
        if (FAILURES.contains(end.type())) {
            throw new JobFailedException(end);
        }
        return end;
    }

    @Override
    public void close() {
        training.values().forEach(ProgressBar::close);
        training.clear();
    }
}
