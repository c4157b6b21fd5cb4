package io.github.dl4jssl.zoo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
    private static final String[] CLASSES = {"blue", "green", "red"};
    private static final int[] RGB = {0x0000FF, 0x00FF00, 0xFF0000};

    /**
     * A 20x12 image of one colour whose 4 leftmost and 4 rightmost columns are black: a centre crop to 12x12
     * keeps only the coloured part, a plain resize would mix in black. JPEG images are uniform (lossy chroma
     * subsampling would blur the black border into the crop).
     */
    static void write(Path file, int rgb, String format) throws IOException {
        boolean border = format.equals("png");
        BufferedImage img = new BufferedImage(20, 12, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 12; y++) {
            for (int x = 0; x < 20; x++) {
                img.setRGB(x, y, border && (x < 4 || x >= 16) ? 0 : rgb);
            }
        }
        assertTrue(ImageIO.write(img, format, file.toFile()), format);
    }

    /** blue/, green/, red/ with 5 images each (PNG, one JPEG each), a corrupt PNG, an empty JPEG and a text file. */
    static Path labelledFolder(Path dir) throws IOException {
        for (int c = 0; c < CLASSES.length; c++) {
            Path d = Files.createDirectories(dir.resolve(CLASSES[c]));
            for (int i = 0; i < 4; i++) {
                write(d.resolve("img" + i + ".png"), RGB[c], "png");
            }
            write(d.resolve("img4.jpg"), RGB[c], "jpg");
        }
        Files.write(dir.resolve("green/broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4, 5});
        Files.write(dir.resolve("red/empty.jpg"), new byte[0]);
        Files.writeString(dir.resolve("red/notes.txt"), "not an image");
        return dir;
    }

    @Test
    void labelledFolderIsCroppedResizedInRgbAndCorruptFilesAreSkipped(@TempDir Path dir) throws IOException {
        ImageFolder f = ImageFolder.builder(labelledFolder(dir)).imageSize(8).channels(3).holdout(0.4).seed(1).load();
        assertEquals(List.of("blue", "green", "red"), f.classNames());
        assertEquals(List.of(dir.resolve("green/broken.png"), dir.resolve("red/empty.jpg")), f.skipped());
        LabelledImages train = f.train();
        LabelledImages held = f.heldOut();
        assertEquals(9, train.size());
        assertEquals(6, held.size()); // stratified: round(0.4 * 5) = 2 of each class
        assertArrayEquals(new long[] {9, 3, 8, 8}, train.features().shape());
        assertEquals(3, train.numClasses());
        for (LabelledImages d : List.of(train, held)) {
            int[] perClass = new int[3];
            for (int i = 0; i < d.size(); i++) {
                int c = d.label(i);
                perClass[c]++;
                float[] img = d.image(i);
                for (int ch = 0; ch < 3; ch++) {
                    // channel 0 is red: class "red" (2) has it at 1; JPEG allows a small error
                    float expected = ch == 2 - c ? 1f : 0f;
                    for (int p = 0; p < 64; p++) {
                        assertEquals(expected, img[ch * 64 + p], 0.06, "class " + CLASSES[c] + " channel " + ch);
                    }
                }
            }
            assertArrayEquals(d == train ? new int[] {3, 3, 3} : new int[] {2, 2, 2}, perClass);
        }
    }

    @Test
    void holdOutIsSeededAndGreyscaleIsLuminance(@TempDir Path dir) throws IOException {
        labelledFolder(dir);
        ImageFolder a = ImageFolder.builder(dir).imageSize(4).channels(1).holdout(0.4).seed(5).load();
        ImageFolder b = ImageFolder.builder(dir).imageSize(4).channels(1).holdout(0.4).seed(5).load();
        assertEquals(a.heldOut().features(), b.heldOut().features());
        assertArrayEquals(a.train().labels(), b.train().labels());
        assertEquals(1, a.train().channels());
        for (int i = 0; i < a.train().size(); i++) {
            double[] luma = {0.114, 0.587, 0.299}; // blue, green, red
            assertEquals(luma[a.train().label(i)], a.train().image(i)[5], 0.03);
        }
        // the seed changes which images are held out: identify images by their file order via distinct seeds
        boolean differs = false;
        for (long seed = 6; seed < 12 && !differs; seed++) {
            boolean[] x = ImageFolder.holdOut(new int[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, 10, 2, 0.4, 5);
            boolean[] y = ImageFolder.holdOut(new int[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, 10, 2, 0.4, seed);
            differs = !Arrays.equals(x, y);
        }
        assertTrue(differs);
        boolean[] none = ImageFolder.holdOut(null, 3, 0, 0.0, 1);
        assertArrayEquals(new boolean[3], none);
        assertArrayEquals(new boolean[] {false}, ImageFolder.holdOut(new int[] {0}, 1, 1, 0.5, 1),
                "a class keeps at least one training image");
    }

    @Test
    void imagesDirectlyInTheFolderAreUnlabelled(@TempDir Path dir) throws IOException {
        for (int i = 0; i < 4; i++) {
            write(dir.resolve("x" + i + ".png"), RGB[i % 3], "png");
        }
        ImageFolder f = ImageFolder.builder(dir).imageSize(6).holdout(0).load();
        assertFalse(f.train().isLabelled());
        assertEquals(4, f.train().size());
        assertNull(f.heldOut());
        assertTrue(f.classNames().isEmpty());
        assertTrue(f.skipped().isEmpty());
    }

    @Test
    void missingEmptyOrUnreadableFoldersAreClearErrors(@TempDir Path dir) throws IOException {
        DatasetException e = assertThrows(DatasetException.class,
                () -> ImageFolder.builder(dir.resolve("missing")).load());
        assertTrue(e.getMessage().contains("not found") && e.getMessage().contains("missing"), e.getMessage());
        Files.createDirectories(dir.resolve("empty/cats"));
        e = assertThrows(DatasetException.class, () -> ImageFolder.builder(dir.resolve("empty")).load());
        assertTrue(e.getMessage().contains("contains no images"), e.getMessage());
        Path bad = Files.createDirectories(dir.resolve("bad"));
        Files.write(bad.resolve("a.png"), new byte[] {1, 2, 3});
        e = assertThrows(DatasetException.class, () -> ImageFolder.builder(bad).load());
        assertTrue(e.getMessage().contains("none of the 1 images"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageFolder.builder(bad).channels(2).load());
        assertThrows(IllegalArgumentException.class, () -> ImageFolder.builder(bad).holdout(1).load());
    }
}
