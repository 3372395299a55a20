package dev.cdiff.platform.health;

/** One named yes/no answer with a reason, computed on request. */
@FunctionalInterface
public interface HealthCheck {
    Result check();

    record Result(boolean ok, String detail) {
        public static Result ok(String detail) {
            return new Result(true, detail);
        }

        public static Result down(String detail) {
            return new Result(false, detail);
        }
    }
}
