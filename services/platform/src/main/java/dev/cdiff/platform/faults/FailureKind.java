package dev.cdiff.platform.faults;

import dev.cdiff.platform.kafka.NonRetryableException;
import dev.cdiff.platform.registry.SchemaRegistryException;
import dev.cdiff.platform.store.ArtifactStoreException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;

import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The one classification of failures every consumer uses (event loops and the orchestrator's streams):
 * <ul>
 *   <li>{@link #INFRASTRUCTURE}: a dependency is down; wait for it as long as it takes, never dead-letter.</li>
 *   <li>{@link #POISON}: the record itself is bad (undecodable while the registry answers, invalid content);
 *       no amount of waiting helps, so it is dead-lettered at once.</li>
 *   <li>{@link #UNEXPECTED}: anything else (a bug, a local resource); a few attempts, then dead-lettered so the
 *       job ends visibly instead of blocking its partition for ever.</li>
 * </ul>
 * An infrastructure cause anywhere in the chain wins: a serializer that failed because the registry was down
 * threw a SerializationException, yet the record was fine.
 */
public enum FailureKind {
    INFRASTRUCTURE, POISON, UNEXPECTED;

    /** S3 error codes that mean "the server is struggling", not "your request is wrong". */
    private static final Set<String> S3_SERVER_SIDE = Set.of("InternalError", "ServiceUnavailable", "SlowDown",
            "RequestTimeout", "RequestTimeTooSkewed", "OperationAborted");

    public static FailureKind of(Throwable failure) {
        if (infrastructureCause(failure) != null) {
            return INFRASTRUCTURE;
        }
        for (Throwable t : chain(failure)) {
            if (t instanceof NonRetryableException || t instanceof SerializationException
                    || t instanceof IllegalArgumentException) {
                return POISON;
            }
        }
        return UNEXPECTED;
    }

    /** The link of the chain that shows a dependency was unreachable, or null when none does. */
    public static Throwable infrastructureCause(Throwable failure) {
        for (Throwable t : chain(failure)) {
            if (t instanceof InfrastructureUnavailable) {
                return t;
            }
            if (t instanceof SchemaRegistryException sre && registryUnavailable(sre.httpStatus())) {
                return t;
            }
            if (t instanceof ArtifactStoreException ase && storeUnavailable(ase)) {
                return t;
            }
            if (t instanceof RetriableException) {
                return t; // broker timeouts, disconnects, leader changes: all resolve by themselves
            }
            if (t instanceof java.net.ConnectException || t instanceof java.net.SocketTimeoutException
                    || t instanceof java.net.NoRouteToHostException || t instanceof HttpTimeoutException
                    || t instanceof java.net.http.HttpConnectTimeoutException) {
                return t;
            }
            if (t.getClass().getName().equals("io.minio.errors.ServerException")) {
                return t; // S3 answered 5xx
            }
        }
        return null;
    }

    /** Which dependency the failure points at, or null when it is not an infrastructure failure. */
    public static InfrastructureUnavailable.Dependency dependencyOf(Throwable failure) {
        Throwable cause = infrastructureCause(failure);
        if (cause == null) {
            return null;
        }
        if (cause instanceof InfrastructureUnavailable iu) {
            return iu.dependency();
        }
        if (cause instanceof SchemaRegistryException) {
            return InfrastructureUnavailable.Dependency.SCHEMA_REGISTRY;
        }
        if (cause instanceof RetriableException) {
            return InfrastructureUnavailable.Dependency.BROKER;
        }
        for (Throwable t : chain(failure)) {
            if (t instanceof ArtifactStoreException) {
                return InfrastructureUnavailable.Dependency.OBJECT_STORE;
            }
            if (t instanceof SchemaRegistryException) {
                return InfrastructureUnavailable.Dependency.SCHEMA_REGISTRY;
            }
        }
        return InfrastructureUnavailable.Dependency.OBJECT_STORE;
    }

    /** -1: no answer at all; 5xx: the registry or its storage failed; 408/429: it asked us to come back later. */
    static boolean registryUnavailable(int httpStatus) {
        return httpStatus == -1 || httpStatus >= 500 || httpStatus == 408 || httpStatus == 429;
    }

    /** No S3 answer at all (the request failed on the wire), or an S3 answer that blames the server. */
    static boolean storeUnavailable(ArtifactStoreException e) {
        if (e.s3ErrorCode() != null) {
            return S3_SERVER_SIDE.contains(e.s3ErrorCode());
        }
        for (Throwable t : chain(e.getCause())) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    private static Iterable<Throwable> chain(Throwable failure) {
        java.util.List<Throwable> out = new java.util.ArrayList<>();
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            out.add(t);
        }
        return out;
    }
}
