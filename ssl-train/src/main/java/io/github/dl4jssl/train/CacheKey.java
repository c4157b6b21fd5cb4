package io.github.dl4jssl.train;

import io.github.dl4jssl.zoo.data.LabelledImages;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The identity of a cached baseline: a SHA-256 over everything the result depends on, i.e. the protocol and its
 * settings and the content of the images and labels themselves (so a changed, re-downloaded or differently split
 * data set, or other evaluation sizes, give another key; a copy in another directory gives the same key), and for
 * the random-weight baselines the network's parameters themselves.
 */
final class CacheKey {
    private final MessageDigest digest;

    CacheKey() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** Adds a setting (length-prefixed, so "ab"+"c" and "a"+"bc" differ). */
    CacheKey add(Object setting) {
        byte[] b = String.valueOf(setting).getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(4).putInt(b.length).array());
        digest.update(b);
        return this;
    }

    /** Adds the shape, every pixel and every label of {@code images}. */
    CacheKey add(LabelledImages images) {
        add(images.toString());
        float[] image = new float[images.imageLength()];
        ByteBuffer bytes = ByteBuffer.allocate(4 * image.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < images.size(); i++) {
            images.image(i, image);
            bytes.clear();
            bytes.asFloatBuffer().put(image);
            digest.update(bytes.array());
        }
        if (images.isLabelled()) {
            ByteBuffer labels = ByteBuffer.allocate(4 * images.size());
            for (int i = 0; i < images.size(); i++) {
                labels.putInt(images.label(i));
            }
            digest.update(labels.array());
        }
        return this;
    }

    /** Adds the data type, the shape and every value of {@code array} (e.g. a network's parameters). */
    CacheKey add(INDArray array) {
        add(array.dataType() + Arrays.toString(array.shape()));
        digest.update(array.dup('c').data().asBytes());
        return this;
    }

    /** The key as 64 hexadecimal digits; the object must not be used afterwards. */
    String hex() {
        return HexFormat.of().formatHex(digest.digest());
    }
}
