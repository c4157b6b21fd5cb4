package io.github.dl4jssl.zoo.transforms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

class AugmentationTest {

    static float[] randomImage(int len, long seed) {
        Random r = new Random(seed);
        float[] v = new float[len];
        for (int i = 0; i < len; i++) {
            v[i] = r.nextFloat();
        }
        return v;
    }

    static void assertInUnitRange(float[] img) {
        for (float v : img) {
            assertTrue(v >= 0f && v <= 1f, "value out of [0,1]: " + v);
        }
    }

    static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    @Test
    void flipReversesColumnsOfEveryRow() {
        // 2 channels, 2 rows, 3 columns
        float[] img = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1f, 0f, 0.05f};
        float[] flipped = new HorizontalFlip(1).apply(img, 2, 2, 3, new Random(1));
        assertArrayEquals(new float[] {0.3f, 0.2f, 0.1f, 0.6f, 0.5f, 0.4f, 0.9f, 0.8f, 0.7f, 0.05f, 0f, 1f},
                flipped);
        assertArrayEquals(img, new HorizontalFlip(0).apply(img, 2, 2, 3, new Random(1)));
        assertEquals(0.1f, img[0]); // input untouched
    }

    @Test
    void solarizeInvertsAtOrAboveThreshold() {
        float[] img = {0.2f, 0.5f, 0.75f, 1f, 0f};
        float[] out = new Solarize(1, 0.5).apply(img, 1, 1, 5, new Random(1));
        assertArrayEquals(new float[] {0.2f, 0.5f, 0.25f, 0f, 0f}, out);
        assertArrayEquals(img, new Solarize(0, 0.5).apply(img, 1, 1, 5, new Random(1)));
    }

    @Test
    void cropOfFullScaleAndUnitRatioIsIdentity() {
        float[] img = randomImage(3 * 5 * 5, 7);
        RandomResizedCrop crop = new RandomResizedCrop(5, 1.0, 1.0, 1.0, 1.0);
        for (long seed = 0; seed < 5; seed++) {
            assertArrayEquals(img, crop.apply(img, 3, 5, 5, new Random(seed)));
        }
    }

    @Test
    void cropHasConfiguredSizeAndRange() {
        float[] img = randomImage(28 * 28, 3);
        RandomResizedCrop crop = new RandomResizedCrop(20, 0.08, 1.0);
        assertArrayEquals(new int[] {1, 20, 20}, crop.outputShape(1, 28, 28));
        for (long seed = 0; seed < 20; seed++) {
            float[] out = crop.apply(img, 1, 28, 28, new Random(seed));
            assertEquals(400, out.length);
            assertInUnitRange(out);
        }
        // Upscaling a constant image keeps it constant; a non-square input still gives a square output.
        float[] constant = new float[2 * 3 * 6];
        Arrays.fill(constant, 0.3f);
        float[] up = new RandomResizedCrop(8, 0.5, 1.0).apply(constant, 2, 3, 6, new Random(1));
        assertEquals(2 * 8 * 8, up.length);
        for (float v : up) {
            assertEquals(0.3f, v, 1e-6f);
        }
    }

    @Test
    void bilinearResizeInterpolatesBetweenPixels() {
        // 1x2 image [0, 1] resized to 1x4 samples at source x = -0.25, 0.25, 0.75, 1.25 (clamped)
        float[] out = RandomResizedCrop.resize(new float[] {0f, 1f}, 1, 1, 2, 0, 0, 1, 2, 1, 4);
        assertArrayEquals(new float[] {0f, 0.25f, 0.75f, 1f}, out, 1e-6f);
    }

    @Test
    void grayscaleReplicatesLuminance() {
        // one RGB pixel (1, 0.5, 0)
        float[] out = new RandomGrayscale(1).apply(new float[] {1f, 0.5f, 0f}, 3, 1, 1, new Random(1));
        float y = 0.299f + 0.587f * 0.5f;
        assertArrayEquals(new float[] {y, y, y}, out, 1e-6f);
        float[] grey = {0.3f, 0.6f};
        assertArrayEquals(grey, new RandomGrayscale(1).apply(grey, 1, 1, 2, new Random(1)));
    }

    @Test
    void blurPreservesConstantImageAndMean() {
        float[] constant = new float[3 * 8 * 8];
        Arrays.fill(constant, 0.6f);
        float[] out = new GaussianBlur(1, 0.5, 2.0).apply(constant, 3, 8, 8, new Random(1));
        assertArrayEquals(constant, out, 1e-6f);

        float[] img = randomImage(16 * 16, 11);
        float[] blurred = GaussianBlur.blur(img, 1, 16, 16, 1.0);
        assertEquals(mean(img), mean(blurred), 0.01);
        assertTrue(variance(blurred) < variance(img) / 2, "blur should smooth a noise image");
        assertEquals(2, GaussianBlur.reflect(-2, 5));
        assertEquals(3, GaussianBlur.reflect(5, 5));
    }

    static double variance(float[] v) {
        double m = mean(v);
        double s = 0;
        for (float x : v) {
            s += (x - m) * (x - m);
        }
        return s / v.length;
    }

    @Test
    void jitterOfStrengthZeroIsIdentity() {
        ColorJitter none = new ColorJitter(1, 0, 0, 0, 0);
        float[] rgb = randomImage(3 * 4 * 4, 5);
        assertArrayEquals(rgb, none.apply(rgb, 3, 4, 4, new Random(1)));
        float[] grey = randomImage(4 * 4, 6);
        assertArrayEquals(grey, none.apply(grey, 1, 4, 4, new Random(1)));
        // saturation and hue are ignored for one channel
        assertArrayEquals(grey, new ColorJitter(1, 0, 0, 0.9, 0.5).apply(grey, 1, 4, 4, new Random(1)));
    }

    @Test
    void jitterChangesImagesAndStaysInRange() {
        ColorJitter jitter = new ColorJitter(1, 0.8, 0.8, 0.8, 0.2);
        float[] rgb = randomImage(3 * 6 * 6, 8);
        for (long seed = 0; seed < 20; seed++) {
            float[] out = jitter.apply(rgb, 3, 6, 6, new Random(seed));
            assertFalse(Arrays.equals(rgb, out));
            assertInUnitRange(out);
        }
    }

    @Test
    void hueShiftOfAThirdTurnsRedIntoGreen() {
        float[] red = {1f, 0f, 0f};
        ColorJitter.shiftHue(red, 1, 1f / 3f);
        assertArrayEquals(new float[] {0f, 1f, 0f}, red, 1e-5f);
    }

    @Test
    void invalidArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new HorizontalFlip(1.5));
        assertThrows(IllegalArgumentException.class, () -> new RandomResizedCrop(0, 0.2, 1));
        assertThrows(IllegalArgumentException.class, () -> new RandomResizedCrop(8, 0.5, 0.2));
        assertThrows(IllegalArgumentException.class, () -> new ColorJitter(0.5, -1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ColorJitter(0.5, 0, 0, 0, 0.6));
        assertThrows(IllegalArgumentException.class, () -> new GaussianBlur(0.5, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Solarize(0.5, 2));
        assertThrows(IllegalArgumentException.class,
                () -> AugmentationPipeline.identity().apply(new float[3], 1, 2, 2, new Random(1)));
    }

    @Test
    void presetsHaveConfiguredSizeRangeAndAreSeeded() {
        check(AugmentationPipeline.simclrGrayscale(24), randomImage(28 * 28, 1), 1, 28, 24);
        check(AugmentationPipeline.simclrColor(32), randomImage(3 * 32 * 32, 2), 3, 32, 32);
        float[] img = randomImage(2 * 5 * 5, 3);
        AugmentationPipeline id = AugmentationPipeline.identity();
        assertArrayEquals(img, id.apply(img, 2, 5, 5, new Random(1)));
        assertArrayEquals(new int[] {2, 5, 5}, id.outputShape(2, 5, 5));
    }

    private static void check(AugmentationPipeline pipeline, float[] img, int c, int size, int out) {
        float[] copy = img.clone();
        assertArrayEquals(new int[] {c, out, out}, pipeline.outputShape(c, size, size));
        float[] previous = null;
        for (long seed = 0; seed < 20; seed++) {
            float[] a = pipeline.apply(img, c, size, size, new Random(seed));
            float[] b = pipeline.apply(img, c, size, size, new Random(seed));
            assertEquals(c * out * out, a.length);
            assertInUnitRange(a);
            assertArrayEquals(a, b, "same seed must give the same view");
            if (previous != null) {
                assertFalse(Arrays.equals(previous, a), "different seeds should give different views");
            }
            previous = a;
        }
        assertArrayEquals(copy, img, "the input must not be modified");
    }
}
