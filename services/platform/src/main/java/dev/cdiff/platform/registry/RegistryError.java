package dev.cdiff.platform.registry;

/**
 * Error codes of the Confluent Schema Registry REST protocol: {@code error_code} values in the JSON error body,
 * each with the HTTP status a compliant server answers with. Codes are XXX or XXXYY where XXX is the status.
 */
public enum RegistryError {
    SUBJECT_NOT_FOUND(40401, 404),
    VERSION_NOT_FOUND(40402, 404),
    SCHEMA_NOT_FOUND(40403, 404),
    SUBJECT_SOFT_DELETED(40404, 404),
    SUBJECT_NOT_SOFT_DELETED(40405, 404),
    SCHEMA_VERSION_SOFT_DELETED(40406, 404),
    SCHEMA_VERSION_NOT_SOFT_DELETED(40407, 404),
    SUBJECT_COMPATIBILITY_NOT_CONFIGURED(40408, 404),
    INCOMPATIBLE_SCHEMA(409, 409),
    INVALID_SCHEMA(42201, 422),
    INVALID_VERSION(42202, 422),
    INVALID_COMPATIBILITY_LEVEL(42203, 422),
    STORE_ERROR(50001, 500),
    OPERATION_TIMEOUT(50002, 500),
    FORWARDING_ERROR(50003, 500),
    /** Plain HTTP errors (unknown route 404, wrong method 405, unreadable body 400) carry the status as code. */
    NOT_FOUND(404, 404),
    METHOD_NOT_ALLOWED(405, 405),
    BAD_REQUEST(400, 400),
    INTERNAL(500, 500),
    /** A code this client does not know; see {@link SchemaRegistryException#errorCode()}. */
    UNKNOWN(-1, -1);

    private final int code;
    private final int httpStatus;

    RegistryError(int code, int httpStatus) {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    public int code() {
        return code;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The enum constant for a wire {@code error_code}, or {@link #UNKNOWN}. */
    public static RegistryError ofCode(int code) {
        for (RegistryError e : values()) {
            if (e.code == code && e != UNKNOWN) {
                return e;
            }
        }
        return UNKNOWN;
    }
}
