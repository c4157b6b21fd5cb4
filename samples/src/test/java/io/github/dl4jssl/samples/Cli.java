package io.github.dl4jssl.samples;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs the {@code dl4j-ssl} command line in the test JVM for the CLI tests. */
public final class Cli {

    private Cli() {
    }

    /** Runs {@code args}, asserts the exit code, and returns what the command wrote to stderr. */
    public static String run(int expectedExit, String... args) {
        StringWriter err = new StringWriter();
        int code = Dl4jSsl.execute(new PrintWriter(err, true), args);
        assertEquals(expectedExit, code, "exit code; stderr: " + err);
        return err.toString();
    }
}
