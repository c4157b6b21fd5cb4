package io.github.dl4jssl.zoo.data;

import io.github.dl4jssl.zoo.transforms.AreaResize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.datavec.image.loader.NativeImageLoader;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ImageNet-style image folder (Deng et al. 2009) loaded into memory: either one sub-folder per class
 * ({@code dir/cat/1.jpg}, {@code dir/dog/2.png}; classes are the sub-folder names in alphabetical order), or the
 * images directly in {@code dir} (unlabelled data). Images are decoded by DataVec's {@link NativeImageLoader}
 * (OpenCV), centre-cropped to a square, resized to {@code size x size} and converted to the chosen number of
 * channels (1 = greyscale, 3 = RGB), as float32 {@code [N, C, size, size]} in [0, 1].
 *
 * <p>A seeded fraction is held out for kNN and linear evaluation, stratified by class when labelled (each class
 * gives {@code round(fraction * n_c)} images, keeping at least one for training). Unreadable or corrupt images are
 * skipped with a warning naming the file, and listed in {@link #skipped()}; a missing directory, a directory
 * without images or one whose images are all unreadable is a {@link DatasetException}.
 */
public final class ImageFolder {
    private static final Logger log = LoggerFactory.getLogger(ImageFolder.class);

    /**
     * Images above this many pixels are skipped unless {@link Builder#maxPixels} says otherwise: 25 megapixels (a
     * 6000 x 4000 photo fits) decode to about 1 GB of transient arrays here, beyond which a single image could exhaust
     * the memory of a run.
     */
    public static final long DEFAULT_MAX_PIXELS = 25_000_000L;

    /** File extensions (lower case) that are read as images; other files are ignored. */
    public static final Set<String> EXTENSIONS = Arrays.stream(NativeImageLoader.ALLOWED_FORMATS)
            .map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());

    private final LabelledImages train;
    private final LabelledImages heldOut;
    private final List<String> classNames;
    private final List<Path> skipped;

    private ImageFolder(LabelledImages train, LabelledImages heldOut, List<String> classNames, List<Path> skipped) {
        this.train = train;
        this.heldOut = heldOut;
        this.classNames = classNames;
        this.skipped = skipped;
    }

    public static Builder builder(Path dir) { return new Builder(dir); }

    /** The images not held out. */
    public LabelledImages train() { return train; }

    /** The held-out images, or {@code null} when the hold-out fraction is 0 (or rounds to no image). */
    public LabelledImages heldOut() { return heldOut; }

    /** Class names indexed by label (the sub-folder names); empty for an unlabelled folder. */
    public List<String> classNames() { return classNames; }

    /** The image files that could not be read and were skipped. */
    public List<Path> skipped() { return skipped; }

    /** Configures and loads an {@link ImageFolder}. */
    public static final class Builder {
        private final Path dir;
        private int size = 32;
        private int channels = 3;
        private double holdout = 0.1;
        private long seed = 42;
        private long maxPixels = DEFAULT_MAX_PIXELS;
        private int minClasses;

        private Builder(Path dir) {
            this.dir = dir;
        }

        /** Side of the square output images (default 32). */
        public Builder imageSize(int size) { this.size = size; return this; }

        /** 1 (greyscale) or 3 (RGB, the default). */
        public Builder channels(int channels) { this.channels = channels; return this; }

        /** Fraction of the images held out for evaluation, in [0, 1) (default 0.1). */
        public Builder holdout(double holdout) { this.holdout = holdout; return this; }

        /** Seed of the hold-out selection (default 42). */
        public Builder seed(long seed) { this.seed = seed; return this; }

        /**
         * Images with more pixels than this (read from the file's header before decoding, see {@link ImageHeader})
         * are skipped and counted like unreadable ones (default {@link ImageFolder#DEFAULT_MAX_PIXELS}).
         */
        public Builder maxPixels(long maxPixels) { this.maxPixels = maxPixels; return this; }

        /**
         * The folder must have at least this many class sub-folders with images (default 0: any, unlabelled too);
         * checked before any image is decoded.
         */
        public Builder minClasses(int minClasses) { this.minClasses = minClasses; return this; }

        public ImageFolder load() {
            if (maxPixels < 1) {
                throw new IllegalArgumentException("the pixel limit must be at least 1, got " + maxPixels);
            }
            if (size < 1) {
                throw new IllegalArgumentException("image size must be >= 1, got " + size);
            }
            if (channels != 1 && channels != 3) {
                throw new IllegalArgumentException("channels must be 1 (greyscale) or 3 (RGB), got " + channels);
            }
            if (!(holdout >= 0 && holdout < 1)) {
                throw new IllegalArgumentException("hold-out fraction must be in [0, 1), got " + holdout);
            }
            return ImageFolder.load(this);
        }
    }

    private static ImageFolder load(Builder b) {
        long start = System.nanoTime();
        if (b.dir == null || !Files.isDirectory(b.dir)) {
            throw new DatasetException("image folder not found: " + b.dir + "; pass a directory with one sub-folder "
                    + "of images per class (or the images directly, for unlabelled data) with --data");
        }
        List<Path> classDirs = list(b.dir).filter(Files::isDirectory)
                .filter(d -> !d.getFileName().toString().startsWith(".")).filter(d -> !imagesUnder(d).isEmpty())
                .collect(Collectors.toList());
        List<Path> files = new ArrayList<>();
        List<Integer> fileLabels = new ArrayList<>();
        List<String> classNames = new ArrayList<>();
        if (classDirs.isEmpty()) {
            files.addAll(imagesIn(b.dir));
        } else {
            List<Path> loose = imagesIn(b.dir);
            if (!loose.isEmpty()) {
                log.warn("{}: ignoring {} image(s) next to the class sub-folders, e.g. {}", b.dir, loose.size(),
                        loose.get(0).getFileName());
            }
            for (Path d : classDirs) {
                for (Path f : imagesUnder(d)) {
                    files.add(f);
                    fileLabels.add(classNames.size());
                }
                classNames.add(d.getFileName().toString());
            }
        }
        checkClasses(b, classNames);
        if (files.isEmpty()) {
            throw new DatasetException("image folder " + b.dir + " contains no images (extensions "
                    + new java.util.TreeSet<>(EXTENSIONS) + "); put one sub-folder of images per class in it, "
                    + "or the images directly for unlabelled data");
        }

        int len = b.channels * b.size * b.size;
        ThreadLocal<NativeImageLoader> loaders = ThreadLocal.withInitial(
                () -> new NativeImageLoader(-1, -1, b.channels));
        float[][] images = new float[files.size()][];
        IntStream.range(0, files.size()).parallel().forEach(i -> images[i] = read(loaders.get(), files.get(i), b.channels, b.size,
                b.maxPixels));
        List<Path> skipped = new ArrayList<>();
        List<Integer> ok = new ArrayList<>();
        for (int i = 0; i < images.length; i++) {
            if (images[i] == null) {
                skipped.add(files.get(i));
            } else {
                ok.add(i);
            }
        }
        if (ok.isEmpty()) {
            throw new DatasetException("none of the " + files.size() + " images in " + b.dir + " could be read "
                    + "within the limit of " + b.maxPixels + " pixels per image (see the warnings above); check that "
                    + "they are valid image files, or raise the pixel limit");
        }
        if (!skipped.isEmpty()) {
            log.warn("{}: skipped {} unreadable or oversized image(s) of {}", b.dir, skipped.size(), files.size());
        }
        boolean labelled = !classNames.isEmpty();
        int[] labels = labelled ? ok.stream().mapToInt(fileLabels::get).toArray() : null;
        boolean[] held = holdOut(labels, ok.size(), classNames.size(), b.holdout, b.seed);
        LabelledImages train = subset(images, ok, labels, held, false, len, b, classNames.size());
        LabelledImages heldOut = subset(images, ok, labels, held, true, len, b, classNames.size());
        if (train == null) {
            throw new DatasetException("image folder " + b.dir + ": the hold-out fraction " + b.holdout
                    + " leaves no training image; use a smaller fraction");
        }
        log.info("Loaded image folder {}: {} training and {} held-out images {}x{}x{}, {}, {} skipped, in {} ms",
                b.dir, train.size(), heldOut == null ? 0 : heldOut.size(), b.channels, b.size, b.size,
                labelled ? classNames.size() + " classes" : "unlabelled", skipped.size(),
                (System.nanoTime() - start) / 1_000_000);
        return new ImageFolder(train, heldOut, List.copyOf(classNames), List.copyOf(skipped));
    }

    /** The class count against {@link Builder#minClasses}, before any image is decoded. */
    private static void checkClasses(Builder b, List<String> classNames) {
        if (classNames.size() >= b.minClasses) {
            return;
        }
        if (classNames.isEmpty()) {
            throw new DatasetException("image folder " + b.dir + " is unlabelled (its images are not in class "
                    + "sub-folders): kNN and linear evaluation need labels; put the images of each class in a "
                    + "sub-folder named after the class");
        }
        throw new DatasetException("image folder " + b.dir + " has " + classNames.size() + " class sub-folder(s) with images "
                + classNames + ", counted as its classes; kNN and linear evaluation need at least " + b.minClasses
                + " classes: put the images of each class in its own sub-folder of " + b.dir);
    }

    /**
     * Which images are held out: per class (or over all images when unlabelled) a seeded random
     * {@code round(fraction * n)} of them, at most {@code n - 1}.
     */
    static boolean[] holdOut(int[] labels, int n, int numClasses, double fraction, long seed) {
        boolean[] held = new boolean[n];
        List<List<Integer>> groups = new ArrayList<>();
        if (labels == null) {
            groups.add(IntStream.range(0, n).boxed().collect(Collectors.toList()));
        } else {
            for (int c = 0; c < numClasses; c++) {
                groups.add(new ArrayList<>());
            }
            for (int i = 0; i < n; i++) {
                groups.get(labels[i]).add(i);
            }
        }
        for (int g = 0; g < groups.size(); g++) {
            List<Integer> members = groups.get(g);
            Collections.shuffle(members, new Random(TwoViewIterator.mix(seed, g)));
            int k = (int) Math.min(Math.round(fraction * members.size()), Math.max(0, members.size() - 1));
            for (int j = 0; j < k; j++) {
                held[members.get(j)] = true;
            }
        }
        return held;
    }

    private static LabelledImages subset(float[][] images, List<Integer> ok, int[] labels, boolean[] held,
            boolean wanted, int len, Builder b, int numClasses) {
        int n = 0;
        for (boolean h : held) {
            n += h == wanted ? 1 : 0;
        }
        if (n == 0) {
            return null;
        }
        float[] features = new float[n * len];
        int[] sub = labels == null ? null : new int[n];
        for (int i = 0, j = 0; i < held.length; i++) {
            if (held[i] == wanted) {
                System.arraycopy(images[ok.get(i)], 0, features, j * len, len);
                if (sub != null) {
                    sub[j] = labels[i];
                }
                j++;
            }
        }
        INDArray f = Nd4j.create(features, new long[] {n, b.channels, b.size, b.size}, 'c');
        return new LabelledImages(f, sub, numClasses);
    }

    /**
     * Decodes one image (DataVec, OpenCV) at its own size, centre-crops and resizes it ({@link AreaResize}; DataVec
     * 1.0.0-M2.1's own {@code centerCropIfNeeded} crops off-centre), as CHW floats in [0, 1] in RGB order; null
     * (with a warning naming the file) when it cannot be read.
     */
    private static float[] read(NativeImageLoader loader, Path file, int channels, int size, long maxPixels) {
        OptionalLong pixels = ImageHeader.pixels(file);
        if (pixels.isPresent() && pixels.getAsLong() > maxPixels) {
            log.warn("Skipping image {}: {} pixels, above the limit of {} (--max-image-pixels)", file, pixels.getAsLong(), maxPixels);
            return null;
        }
        try {
            INDArray m = loader.asMatrix(file.toFile());
            if (m == null || m.rank() != 4 || m.size(1) != channels || m.size(2) < 1 || m.size(3) < 1) {
                throw new IOException("decoded to shape " + (m == null ? "null" : Arrays.toString(m.shape())));
            }
            int h = (int) m.size(2);
            int w = (int) m.size(3);
            float[] v = m.castTo(DataType.FLOAT).dup('c').data().asFloat();
            int plane = h * w;
            float[] rgb = new float[v.length];
            for (int c = 0; c < channels; c++) {
                // OpenCV decodes colour images as BGR: reverse the channel order to RGB.
                int src = channels == 3 ? 2 - c : c;
                for (int p = 0; p < plane; p++) {
                    rgb[c * plane + p] = v[src * plane + p] / 255f;
                }
            }
            return AreaResize.centreCropSquare(rgb, channels, h, w, size);
        } catch (Exception | LinkageError e) {
            log.warn("Skipping unreadable image {}: {}", file, e.getMessage() == null ? e.toString() : e.getMessage());
            return null;
        }
    }

    private static boolean isImage(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return !name.startsWith(".") && dot > 0 && Files.isRegularFile(p)
                && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Image files directly in {@code dir}, sorted by name. */
    private static List<Path> imagesIn(Path dir) {
        return list(dir).filter(ImageFolder::isImage).collect(Collectors.toList());
    }

    /** Image files anywhere under {@code dir}, sorted by path. */
    private static List<Path> imagesUnder(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(ImageFolder::isImage).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new DatasetException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Stream<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().collect(Collectors.toList()).stream();
        } catch (IOException e) {
            throw new DatasetException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
