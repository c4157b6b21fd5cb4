package io.github.dl4jssl.zoo.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A fixed, seeded, class-balanced labelled subset of a training set: {@code n} images of every class, the labelled
 * part of the semi-supervised evaluation protocol (Chen et al., SimCLR, ICML 2020, Section 4.2: 1% and 10% of the
 * labels, class-balanced; Grill et al., BYOL, NeurIPS 2020, Section 4).
 *
 * <p>Each class's image indices are shuffled once with {@code new Random(seed)} (classes in index order), and the
 * subset takes the first {@code n} of every class. Subsets with the same seed are therefore nested: the 10-per-class
 * images are among the 100-per-class ones. The images keep the training set's order.
 */
public final class ClassBalancedSubset {

    private ClassBalancedSubset() {
    }

    /**
     * The indices of {@code perClass} images of every class of {@code images}, in ascending order.
     *
     * @throws IllegalArgumentException if the images are unlabelled, {@code perClass < 1}, or a class has fewer
     *                                  images (the message names the class, its count and the largest possible n)
     */
    public static int[] indices(LabelledImages images, int perClass, long seed) {
        if (!images.isLabelled()) {
            throw new IllegalArgumentException("a class-balanced subset needs labelled images");
        }
        if (perClass < 1) {
            throw new IllegalArgumentException("images per class must be at least 1, got " + perClass);
        }
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < images.numClasses(); c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < images.size(); i++) {
            byClass.get(images.label(i)).add(i);
        }
        int smallest = byClass.stream().mapToInt(List::size).min().orElse(0);
        if (perClass > smallest) {
            int c = 0;
            while (byClass.get(c).size() != smallest) {
                c++;
            }
            throw new IllegalArgumentException(perClass + " labelled images per class asked for, but class " + c
                    + " has only " + smallest + " training images; use at most " + smallest + " per class");
        }
        Random rng = new Random(seed);
        int[] chosen = new int[perClass * byClass.size()];
        int k = 0;
        for (List<Integer> members : byClass) {
            java.util.Collections.shuffle(members, rng);
            for (int j = 0; j < perClass; j++) {
                chosen[k++] = members.get(j);
            }
        }
        Arrays.sort(chosen);
        return chosen;
    }

    /** The images (and labels) of {@link #indices}, as a new data set. */
    public static LabelledImages of(LabelledImages images, int perClass, long seed) {
        int[] idx = indices(images, perClass, seed);
        INDArray flat = images.features().reshape('c', images.size(), images.imageLength());
        long[] shape = images.features().shape().clone();
        shape[0] = idx.length;
        int[] labels = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            labels[i] = images.label(idx[i]);
        }
        return new LabelledImages(Nd4j.pullRows(flat, 1, idx).reshape('c', shape), labels, images.numClasses());
    }
}
