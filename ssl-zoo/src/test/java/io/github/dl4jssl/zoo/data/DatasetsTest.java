package io.github.dl4jssl.zoo.data;

import io.github.dl4jssl.zoo.transforms.AugmentationPipeline;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {

    @Test
    void unknownNameListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Datasets.load("imagenet", Datasets.Options.of(null)));
        assertTrue(e.getMessage().contains("'imagenet'") && e.getMessage().contains("fashion-mnist, cifar10, cifar100, folder"),
                e.getMessage());
        assertEquals("cifar10", Datasets.normalise(" CIFAR10 "));
    }

    @Test
    void cifarResolvesToTrainAndTestWithColourAugmentation(@TempDir Path dir) throws IOException {
        CifarTest.write(dir.resolve("train.bin"), 1, 4, 2, new int[] {5, 6, 7, 8});
        CifarTest.write(dir.resolve("test.bin"), 2, 2, 2, new int[] {1, 2});
        Datasets.Split s = Datasets.load("cifar100", Datasets.Options.of(dir));
        assertEquals(4, s.train().size());
        assertEquals(2, s.test().size());
        assertEquals(100, s.test().numClasses());
        assertTrue(s.skipped().isEmpty());
        assertEquals(AugmentationPipeline.simclrColor(32).toString(), s.simclrPipeline().toString());
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.load("cifar10", Datasets.Options.of(null)));
        assertTrue(e.getMessage().contains("--data"), e.getMessage());
    }

    @Test
    void folderTrainsOnTheRestAndEvaluatesOnTheHoldOut(@TempDir Path dir) throws IOException {
        ImageFolderTest.labelledFolder(dir);
        Datasets.Split s = Datasets.load("folder", new Datasets.Options(dir, 8, 1, 0.2, 3));
        assertEquals(12, s.train().size());
        assertEquals(3, s.test().size());
        assertEquals(List.of(dir.resolve("green/broken.png"), dir.resolve("red/empty.jpg")), s.skipped());
        assertEquals(AugmentationPipeline.simclrGrayscale(8).toString(), s.simclrPipeline().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Datasets.load("folder", new Datasets.Options(dir, 8, 1, 0, 3)));
        assertTrue(e.getMessage().contains("--holdout"), e.getMessage());
    }

    @Test
    void unlabelledFolderCannotBeEvaluated(@TempDir Path dir) throws IOException {
        for (int i = 0; i < 3; i++) {
            ImageFolderTest.write(dir.resolve("x" + i + ".png"), 0xFF0000, "png");
        }
        DatasetException e = assertThrows(DatasetException.class,
                () -> Datasets.load("folder", new Datasets.Options(dir, 8, 3, 0.3, 3)));
        assertTrue(e.getMessage().contains("unlabelled") && e.getMessage().contains("sub-folder"), e.getMessage());
    }
}
