package dev.cdiff.toyworld.eval;

import java.util.Locale;

/**
 * One headline number of the evaluation against its target. {@code name} is a stable snake_case id (the JSON key
 * readers match on), {@code label} what a person reads; a value that could not be measured (a row missing from the
 * result, a ratio over zero) is NaN and never meets its target.
 *
 * @param detail the numbers the value was computed from, for people ("" when the value says it all)
 */
public record Headline(String name, String label, double value, double target, Direction direction, String detail) {
    public enum Direction {
        AT_LEAST(">="), AT_MOST("<=");

        private final String symbol;

        Direction(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }
    }

    public Headline {
        if (!name.matches("[a-z0-9]+(_[a-z0-9]+)*")) throw new IllegalArgumentException("not a snake_case id: " + name);
    }

    public boolean met() {
        if (Double.isNaN(value)) return false;
        return direction == Direction.AT_LEAST ? value >= target : value <= target;
    }

    /** "label >= 0.8", the way the target tables print it. */
    public String targetText() {
        return label + " " + direction.symbol() + " " + trim(target);
    }

    public String valueText() {
        return Double.isNaN(value) ? "not measured" : String.format(Locale.ROOT, "%.3f", value);
    }

    static String trim(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
