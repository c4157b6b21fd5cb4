import io.github.dl4jssl.listeners.eval.FeatureExtractor;
import io.github.dl4jssl.listeners.eval.FeatureStandardiser;
import io.github.dl4jssl.listeners.eval.KnnClassifier;
import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.LabelledImages;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.File;
import java.util.Arrays;
import java.util.Random;

/**
 * Is a kNN difference between a backbone's features and the raw pixels larger than the test set's sampling noise?
 * Both classify the same 10,000 test images (k = 200, cosine, T = 0.1, 60,000-image bank, as and standardised as the
 * report does), so the difference is paired: a 95% interval from the discordant images (McNemar's normal
 * approximation) and from 10,000 bootstrap resamples of the test images. This is the test set's noise only, not
 * the seed's.
 * java -cp "$(cat samples/target/classpath.txt)" docs/experiments/mocov3-60min-s13/PairedKnn.java RUN_DIR/backbone.zip
 */
public class PairedKnn {
    public static void main(String[] args) throws Exception {
        Datasets.Split data = Datasets.load("fashion-mnist", new Datasets.Options(null, 32, 3, 0.1, 42));
        ComputationGraph backbone = ModelSerializer.restoreComputationGraph(new File(args[0]), false);
        LabelledImages bank = data.train();
        LabelledImages test = data.test();
        INDArray bankFeatures = FeatureExtractor.extract(backbone, bank.features(), 512);
        INDArray testFeatures = FeatureExtractor.extract(backbone, test.features(), 512);
        INDArray bankPixels = pixels(bank);
        INDArray testPixels = pixels(test);
        for (boolean standardised : new boolean[]{false, true}) {
            int[] a = predict(bankFeatures, bank.labels(), testFeatures, standardised);
            int[] b = predict(bankPixels, bank.labels(), testPixels, standardised);
            compare(standardised ? "standardised" : "as they are", a, b, test.labels());
        }
    }

    static INDArray pixels(LabelledImages images) {
        return images.features().castTo(DataType.FLOAT).dup('c').reshape('c', images.size(), images.imageLength());
    }

    static int[] predict(INDArray bank, int[] labels, INDArray test, boolean standardised) {
        if (standardised) {
            FeatureStandardiser s = FeatureStandardiser.fit(bank);
            bank = s.apply(bank);
            test = s.apply(test);
        }
        try (KnnClassifier knn = new KnnClassifier(bank, labels, 10, 200, 0.1, 256)) {
            return knn.predict(test);
        }
    }

    static void compare(String what, int[] a, int[] b, int[] y) {
        int n = y.length;
        int onlyA = 0;
        int onlyB = 0;
        int[] diff = new int[n]; // +1 only the backbone right, -1 only the pixels right
        for (int i = 0; i < n; i++) {
            boolean ra = a[i] == y[i];
            boolean rb = b[i] == y[i];
            diff[i] = (ra ? 1 : 0) - (rb ? 1 : 0);
            onlyA += ra && !rb ? 1 : 0;
            onlyB += rb && !ra ? 1 : 0;
        }
        double d = (double) (onlyA - onlyB) / n;
        double se = Math.sqrt(onlyA + onlyB - Math.pow(onlyA - onlyB, 2) / n) / n;
        Random rnd = new Random(1);
        double[] boot = new double[10_000];
        for (int r = 0; r < boot.length; r++) {
            long s = 0;
            for (int i = 0; i < n; i++) {
                s += diff[rnd.nextInt(n)];
            }
            boot[r] = (double) s / n;
        }
        Arrays.sort(boot);
        System.out.printf("kNN %s: backbone %.2f%%, pixels %.2f%%, difference %+.2f points; only the backbone right on %d"
                        + " images, only the pixels on %d; 95%% interval (McNemar) [%+.2f, %+.2f], bootstrap [%+.2f, %+.2f]%n",
                what, 100 * accuracy(a, y), 100 * accuracy(b, y), 100 * d, onlyA, onlyB, 100 * (d - 1.96 * se),
                100 * (d + 1.96 * se), 100 * boot[249], 100 * boot[9749]);
    }

    static double accuracy(int[] p, int[] y) {
        int c = 0;
        for (int i = 0; i < y.length; i++) {
            c += p[i] == y[i] ? 1 : 0;
        }
        return (double) c / y.length;
    }
}
