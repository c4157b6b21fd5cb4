package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.RunReport;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Asserts that two reports evaluated the same weights on the same images: every accuracy, baseline and collapse figure. */
final class SameEvaluation {
    private SameEvaluation() {
    }

    static void assertSameEvaluation(RunReport expected, RunReport actual) {
        assertEquals(expected.knnTop1, actual.knnTop1, "knnTop1");
        assertEquals(expected.knnTop1Standardised, actual.knnTop1Standardised, "knnTop1Standardised");
        assertEquals(expected.linearTop1, actual.linearTop1, "linearTop1");
        assertEquals(expected.linearTop5, actual.linearTop5, "linearTop5");
        assertEquals(expected.randomKnnTop1, actual.randomKnnTop1, "randomKnnTop1");
        assertEquals(expected.randomKnnTop1Standardised, actual.randomKnnTop1Standardised, "randomKnnTop1Standardised");
        assertEquals(expected.randomLinearTop1, actual.randomLinearTop1, "randomLinearTop1");
        assertEquals(expected.rawPixelKnnTop1, actual.rawPixelKnnTop1, "rawPixelKnnTop1");
        assertEquals(expected.rawPixelLinearTop1, actual.rawPixelLinearTop1, "rawPixelLinearTop1");
        assertEquals(expected.collapseAuc, actual.collapseAuc, "collapseAuc");
    }
}
