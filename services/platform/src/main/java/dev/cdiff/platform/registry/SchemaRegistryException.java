package dev.cdiff.platform.registry;

/**
 * A Schema Registry call failed: carries the HTTP status, the Confluent {@code error_code} and the server's
 * message. Status and code are -1 when the registry could not be reached at all.
 */
public class SchemaRegistryException extends RuntimeException {
    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(int httpStatus, int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(int httpStatus, int errorCode, String message) {
        this(httpStatus, errorCode, message, null);
    }

    public SchemaRegistryException(RegistryError error, String message) {
        this(error.httpStatus(), error.code(), message, null);
    }

    public SchemaRegistryException(RegistryError error, String message, Throwable cause) {
        this(error.httpStatus(), error.code(), message, cause);
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int errorCode() {
        return errorCode;
    }

    /** The typed code, {@link RegistryError#UNKNOWN} for codes outside the protocol's list. */
    public RegistryError error() {
        return RegistryError.ofCode(errorCode);
    }

    public boolean is(RegistryError error) {
        return errorCode == error.code();
    }

    /** The server's message without the status prefix of {@link #getMessage()}. */
    public String serverMessage() {
        return super.getMessage();
    }

    @Override
    public String getMessage() {
        return "schema registry error (HTTP " + httpStatus + ", error_code " + errorCode + "): " + super.getMessage();
    }
}
