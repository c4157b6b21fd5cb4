/**
 * Data for self-supervised learning: image data sets ({@link io.github.dl4jssl.zoo.data.LabelledImages},
 * {@link io.github.dl4jssl.zoo.data.FashionMnist}, {@link io.github.dl4jssl.zoo.data.Cifar},
 * {@link io.github.dl4jssl.zoo.data.ImageFolder}, looked up by name in {@link io.github.dl4jssl.zoo.data.Datasets}),
 * SimCLR-style augmentations (Chen et al. 2020; {@link io.github.dl4jssl.zoo.transforms.AugmentationPipeline}), the
 * training regimes of Li, Efros and Pathak 2022 ({@link io.github.dl4jssl.zoo.data.TrainingRegime}) and the
 * two-view (multi-view) batch iterator {@link io.github.dl4jssl.zoo.data.TwoViewIterator}, which augments on worker
 * threads ahead of training and feeds contrastive losses such as NT-Xent.
 */
package io.github.dl4jssl.zoo.data;
