package io.github.dl4jssl.zoo.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Image folders a user may really have: one huge image (a decompression bomb: a 16000 x 16000 PNG of about 250 KB)
 * is skipped from its header and counted like an unreadable image, and a folder with one class says that it counted
 * the folder's class sub-folders.
 */
class ImageFolderLimitsTest {

    /** A valid 8-bit greyscale PNG of {@code side x side} black pixels, written row by row (never held in memory). */
    static void blackPng(Path file, int side) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream h = new DataOutputStream(ihdr);
            h.writeInt(side);
            h.writeInt(side);
            h.write(new byte[] {8, 0, 0, 0, 0}); // bit depth 8, greyscale, deflate, filter 0, no interlace
            chunk(out, "IHDR", ihdr.toByteArray());
            ByteArrayOutputStream idat = new ByteArrayOutputStream();
            try (OutputStream z = new DeflaterOutputStream(idat, new Deflater(Deflater.BEST_COMPRESSION))) {
                byte[] row = new byte[side + 1]; // filter byte 0, then the pixels
                for (int y = 0; y < side; y++) {
                    z.write(row);
                }
            }
            chunk(out, "IDAT", idat.toByteArray());
            chunk(out, "IEND", new byte[0]);
        }
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        out.writeInt((int) crc.getValue());
    }

    private static void smallPng(Path file, int rgb) throws IOException {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        assertTrue(ImageIO.write(img, "png", file.toFile()));
    }

    @Test
    void aHugeImageIsSkippedFromItsHeaderAndCounted(@TempDir Path dir) throws IOException {
        for (String c : new String[] {"a", "b"}) {
            Files.createDirectories(dir.resolve(c));
            for (int i = 0; i < 3; i++) {
                smallPng(dir.resolve(c).resolve(i + ".png"), c.equals("a") ? 0xFF0000 : 0x00FF00);
            }
        }
        Path bomb = dir.resolve("a/huge.png");
        blackPng(bomb, 16_000);
        assertTrue(Files.size(bomb) < 2_000_000, "a small file: " + Files.size(bomb));
        assertEquals(256_000_000L, ImageHeader.pixels(bomb).orElseThrow(), "read from the header");

        ImageFolder f = ImageFolder.builder(dir).imageSize(8).holdout(0.34).load();
        assertEquals(List.of(bomb), f.skipped());
        assertEquals(6, f.train().size() + f.heldOut().size());

        assertEquals(1, ImageFolder.builder(dir).imageSize(8).holdout(0.34).maxPixels(64).load().skipped().size(),
                "8 x 8 = 64 pixels is within a limit of 64");
        DatasetException e = assertThrows(DatasetException.class,
                () -> ImageFolder.builder(dir).imageSize(8).holdout(0.34).maxPixels(63).load());
        assertTrue(e.getMessage().contains("none of the 7 images") && e.getMessage().contains("limit of 63 pixels"), e.getMessage());
    }

    @Test
    void aFolderWithOneClassSaysItCountedItsSubFolders(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("cats"));
        for (int i = 0; i < 4; i++) {
            smallPng(dir.resolve("cats").resolve(i + ".png"), 0x808080);
        }
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.load(Datasets.FOLDER, Datasets.Options.of(dir)));
        assertTrue(e.getMessage().contains("image folder " + dir + " has 1 class sub-folder(s) with images [cats]")
                && e.getMessage().contains("at least 2 classes"), e.getMessage());
    }
}
