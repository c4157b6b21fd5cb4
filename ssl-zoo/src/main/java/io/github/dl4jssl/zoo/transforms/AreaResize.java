package io.github.dl4jssl.zoo.transforms;

/**
 * Centre crop to a square and area-average resize of a CHW image (each output pixel is the mean of the input
 * area it covers, with fractional weights at the borders, like OpenCV's {@code INTER_AREA}), so that large photos
 * shrink to small training images without aliasing. Enlarging falls back to bilinear interpolation.
 */
public final class AreaResize {

    private AreaResize() {
    }

    /** The centred {@code min(h, w)} square of {@code chw}, resized to {@code size x size}. */
    public static float[] centreCropSquare(float[] chw, int c, int h, int w, int size) {
        int side = Math.min(h, w);
        int top = (h - side) / 2;
        int left = (w - side) / 2;
        if (side < size) {
            return RandomResizedCrop.resize(chw, c, h, w, top, left, side, side, size, size);
        }
        Axis ys = new Axis(side, size);
        Axis xs = new Axis(side, size);
        float[] rows = new float[side * size];
        float[] out = new float[c * size * size];
        for (int k = 0; k < c; k++) {
            int src = k * h * w;
            for (int y = 0; y < side; y++) {
                int row = src + (top + y) * w + left;
                for (int o = 0; o < size; o++) {
                    rows[y * size + o] = xs.apply(chw, row, 1, o);
                }
            }
            for (int o = 0; o < size; o++) {
                for (int x = 0; x < size; x++) {
                    out[k * size * size + o * size + x] = ys.apply(rows, x, size, o);
                }
            }
        }
        return out;
    }

    /** For each output index, the first input index and the weights (summing to 1) of the inputs it covers. */
    private static final class Axis {
        final int[] first;
        final float[][] weights;

        Axis(int in, int out) {
            first = new int[out];
            weights = new float[out][];
            double scale = (double) in / out;
            for (int o = 0; o < out; o++) {
                double a = o * scale;
                double b = (o + 1) * scale;
                int lo = (int) Math.floor(a);
                int hi = Math.min(in, (int) Math.ceil(b));
                first[o] = lo;
                weights[o] = new float[hi - lo];
                for (int i = lo; i < hi; i++) {
                    weights[o][i - lo] = (float) ((Math.min(b, i + 1) - Math.max(a, i)) / scale);
                }
            }
        }

        /** Weighted sum of {@code v[base + (first + j) * stride]} for output {@code o}. */
        float apply(float[] v, int base, int stride, int o) {
            float[] wts = weights[o];
            int at = base + first[o] * stride;
            float s = 0f;
            for (int j = 0; j < wts.length; j++, at += stride) {
                s += wts[j] * v[at];
            }
            return s;
        }
    }
}
