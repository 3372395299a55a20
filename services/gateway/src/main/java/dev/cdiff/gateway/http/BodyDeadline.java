package dev.cdiff.gateway.http;

import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The whole request body must arrive within a deadline, however it trickles. Jetty's idle timeout (set from the
 * same setting) ends a body that stops; it cannot end one that sends a byte now and then, and Jetty's
 * MinimumDataRateHandler divides the bytes of all requests together by one request's time, so a trickler hides
 * behind everyone else's uploads. At the deadline this closes the connection's end point, which fails the read the
 * handler is blocked in; a body read in time cancels the guard.
 */
public final class BodyDeadline implements AutoCloseable {
    private final Duration deadline;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gateway-body-deadline");
        t.setDaemon(true);
        return t;
    });

    public BodyDeadline(Duration deadline) {
        this.deadline = deadline;
    }

    public Duration deadline() {
        return deadline;
    }

    /** Reads the body with {@code reader} under the deadline; a read cut off by it is refused with 408. */
    public <T> T read(Context ctx, BodyReader<T> reader) throws HttpIo.Refusal, Exception {
        EndPoint endPoint = ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData()
                .getConnection().getEndPoint();
        long end = System.nanoTime() + deadline.toNanos();
        ScheduledFuture<?> guard = watchdog.schedule((Runnable) endPoint::close, deadline.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return reader.read();
        } catch (Exception e) {
            if (System.nanoTime() >= end || !endPoint.isOpen()) {
                throw new HttpIo.Refusal(408, "REQUEST_TIMEOUT", "the request body did not arrive within "
                        + deadline.toMillis() + " ms", true);
            }
            throw e;
        } finally {
            guard.cancel(false);
        }
    }

    @FunctionalInterface
    public interface BodyReader<T> {
        T read() throws Exception;
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
