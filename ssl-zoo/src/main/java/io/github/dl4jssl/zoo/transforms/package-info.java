/**
 * Image transforms: the SimCLR-style random augmentations (Chen et al. 2020) that make the views of
 * self-supervised training ({@link io.github.dl4jssl.zoo.transforms.ImageTransform} and its implementations,
 * composed by {@link io.github.dl4jssl.zoo.transforms.AugmentationPipeline}), and {@link
 * io.github.dl4jssl.zoo.transforms.AreaResize}, the deterministic resize of image folders. Data sets and their
 * iteration are in {@code zoo.data}.
 */
package io.github.dl4jssl.zoo.transforms;
