package io.github.dl4jssl.pretrained;

import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.FashionMnist;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every shipped backbone, loaded from the classpath, re-measured on its card's fixed subset: the kNN top-1 must be
 * the card's within half a point (different CPUs and BLAS builds may round differently, which can move a few
 * borderline test images; a wrong or damaged weights file moves many more).
 */
class CardsMatchWeightsTest {
    private static final double TOLERANCE = 0.005;

    @Test
    void theCheckOfEveryCardMatchesItsWeights() throws Exception {
        for (PretrainedCard card : Pretrained.list()) {
            assertEquals(Datasets.FASHION_MNIST, card.dataset(), "this test loads Fashion-MNIST only; extend it for " + card.name());
            TestData.requireFashionMnist();
            Datasets.Split split = Datasets.load(card.dataset(), Datasets.Options.of(FashionMnist.DEFAULT_DIR));
            PretrainedCard.SubsetCheck check = card.check();
            double measured = SubsetKnn.top1(Pretrained.backbone(card.name()), split.train(), split.test(),
                    check.bankImages(), check.testImages());
            System.out.printf("%s: kNN top-1 on the check subset %.2f%% (card %.2f%%)%n", card.name(), 100 * measured,
                    100 * check.knnTop1());
            assertEquals(check.knnTop1(), measured, TOLERANCE, card.name() + ": the card's check does not match its weights");
            assertTrue(check.testImages() >= 1000, "at least 1,000 queries, so that half a point is more than a few images");
        }
    }
}
