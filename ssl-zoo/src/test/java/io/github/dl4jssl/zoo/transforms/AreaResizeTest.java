package io.github.dl4jssl.zoo.transforms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class AreaResizeTest {

    @Test
    void integerFactorAveragesBlocksOfTheCentredSquare() {
        // 1 channel, 4 high x 6 wide: the centred 4x4 square is columns 1..4
        float[] img = new float[24];
        for (int i = 0; i < 24; i++) {
            img[i] = i;
        }
        float[] out = AreaResize.centreCropSquare(img, 1, 4, 6, 2);
        // block means: rows 0-1 x cols 1-2 = (1+2+7+8)/4, cols 3-4 = (3+4+9+10)/4, rows 2-3 likewise
        assertArrayEquals(new float[] {4.5f, 6.5f, 16.5f, 18.5f}, out, 1e-5f);
    }

    @Test
    void fractionalFactorWeighsBorderPixelsByTheirCoveredArea() {
        // 3x3 -> 2x2: output pixel 0 covers input [0, 1.5) on each axis: weights 2/3 and 1/3
        float[] img = {0, 3, 6, 9, 12, 15, 18, 21, 24};
        float[] out = AreaResize.centreCropSquare(img, 1, 3, 3, 2);
        float w0 = 2f / 3, w1 = 1f / 3;
        float row0 = w0 * 0 + w1 * 3;   // first output column of input row 0
        float row1 = w0 * 9 + w1 * 12;
        float row2 = w0 * 18 + w1 * 21;
        float expected00 = w0 * row0 + w1 * row1;
        float expected10 = w1 * row1 + w0 * row2;
        float[] res = out;
        assertArrayEquals(new float[] {expected00, expected10}, new float[] {res[0], res[2]}, 1e-4f);
    }

    @Test
    void channelsAreResizedIndependentlyAndSameSizeIsACrop() {
        float[] img = new float[2 * 2 * 3];
        for (int i = 0; i < img.length; i++) {
            img[i] = i / 12f;
        }
        // 2 channels, 2x3 -> centred 2x2 square = columns 0..1 ((3 - 2) / 2 = 0)
        float[] out = AreaResize.centreCropSquare(img, 2, 2, 3, 2);
        assertArrayEquals(new float[] {0, 1 / 12f, 3 / 12f, 4 / 12f, 6 / 12f, 7 / 12f, 9 / 12f, 10 / 12f}, out, 1e-6f);
    }
}
