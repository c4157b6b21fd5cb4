package io.github.dl4jssl.zoo.data;

/**
 * Thrown when a data set cannot be loaded: a missing directory or file, or a corrupt file.
 * The message always names the offending path and, where possible, how to fix the problem.
 */
public class DatasetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
