package dev.cdiff.platform.faults;

/**
 * A dependency every record needs (schema registry, object store, broker) could not be reached or answered with a
 * server error. Says nothing about the record: whoever sees it waits for the dependency and tries the same record
 * again, and never dead-letters it.
 */
public class InfrastructureUnavailable extends RuntimeException {

    /** What was unreachable; for logs and health answers. */
    public enum Dependency {
        SCHEMA_REGISTRY("schema registry"), OBJECT_STORE("object store (S3)"), BROKER("Kafka broker");

        private final String label;

        Dependency(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Dependency dependency;

    public InfrastructureUnavailable(Dependency dependency, String message, Throwable cause) {
        super(message, cause);
        this.dependency = dependency;
    }

    public Dependency dependency() {
        return dependency;
    }
}
