/**
 * Data for self-supervised learning: image data sets ({@link io.github.dl4jssl.zoo.data.LabelledImages},
 * {@link io.github.dl4jssl.zoo.data.FashionMnist}), SimCLR-style augmentations (Chen et al. 2020;
 * {@link io.github.dl4jssl.zoo.data.AugmentationPipeline}) and the two-view batch iterator
 * {@link io.github.dl4jssl.zoo.data.TwoViewIterator} that feeds contrastive losses such as NT-Xent.
 */
package io.github.dl4jssl.zoo.data;
