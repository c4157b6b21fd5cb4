package io.github.dl4jssl.zoo.data;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.OptionalLong;

/**
 * The pixel count of an image file read from its header alone (Java's {@link ImageIO} readers: PNG, JPEG, BMP, GIF,
 * WBMP, TIFF), without decoding it: a small file can hold a huge image (a 16000 x 16000 PNG compresses to 1 MB and
 * decodes to gigabytes), and {@link ImageFolder} skips such images before decoding them.
 */
final class ImageHeader {
    private ImageHeader() {
    }

    /**
     * Width x height of the first image in {@code file}, or empty when no {@link ImageIO} reader knows the format or
     * the header cannot be read (the decoder then decides).
     */
    static OptionalLong pixels(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                return OptionalLong.empty();
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return OptionalLong.empty();
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return OptionalLong.of((long) reader.getWidth(0) * reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
