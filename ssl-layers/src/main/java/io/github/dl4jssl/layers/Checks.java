package io.github.dl4jssl.layers;

/**
 * The range checks of the builders' setters, each rule written once with one message format,
 * {@code "<what> must be >= 1, got 0"}. Every check returns the value it lets through, so that a setter reads
 * {@code this.heads = Checks.atLeast("TransformerEncoderBlock heads", heads, 1);}.
 */
public final class Checks {

    private Checks() {
    }

    /** {@code value}, if it is at least {@code min}. */
    public static int atLeast(String what, int value, int min) {
        return (int) atLeast(what, (long) value, min);
    }

    /** {@code value}, if it is at least {@code min}. */
    public static long atLeast(String what, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(what + " must be >= " + min + ", got " + value);
        }
        return value;
    }

    /** {@code value}, if it is greater than 0 (NaN is refused). */
    public static double positive(String what, double value) {
        if (!(value > 0)) {
            throw new IllegalArgumentException(what + " must be > 0, got " + value);
        }
        return value;
    }

    /** {@code value}, if it is at least 0 (NaN is refused). */
    public static double nonNegative(String what, double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException(what + " must be >= 0, got " + value);
        }
        return value;
    }

    /** {@code value}, if it lies in [0, 1] (NaN is refused). */
    public static double unitInterval(String what, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(what + " must be in [0, 1], got " + value);
        }
        return value;
    }
}
