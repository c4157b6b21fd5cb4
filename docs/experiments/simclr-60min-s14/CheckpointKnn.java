import io.github.dl4jssl.listeners.eval.FeatureExtractor;
import io.github.dl4jssl.listeners.eval.FeatureStandardiser;
import io.github.dl4jssl.listeners.eval.KnnClassifier;
import io.github.dl4jssl.train.SavedBackbone;
import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.LabelledImages;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;

/**
 * The learning curve of a run at full scale: the kNN top-1 (k = 200, cosine, T = 0.1, the 60,000 training images as
 * the bank, the 10,000 test images), as the features are and standardised, of the backbone in each checkpoint given
 * (a checkpoint directory iter-NNNNNNNN, or its model.zip), as the run's final report computes it. Prints one CSV line
 * per checkpoint: iteration, epoch (iterations / stepsPerEpoch), kNN as-is, kNN standardised.
 * java -cp "$(cat samples/target/classpath.txt)" CheckpointKnn.java STEPS_PER_EPOCH CHECKPOINT...
 */
public class CheckpointKnn {
    public static void main(String[] args) throws Exception {
        int stepsPerEpoch = Integer.parseInt(args[0]);
        Datasets.Split data = Datasets.load("fashion-mnist", new Datasets.Options(null, 32, 3, 0.1, 42));
        LabelledImages bank = data.train();
        LabelledImages test = data.test();
        System.out.println("iteration,epoch,knn_top1,knn_top1_standardised");
        for (int i = 1; i < args.length; i++) {
            Path p = Path.of(args[i]);
            Path model = p.toFile().isDirectory() ? p.resolve("model.zip") : p;
            String dir = (p.toFile().isDirectory() ? p : p.getParent()).getFileName().toString();
            long iteration = Long.parseLong(dir.replaceAll("\\D", ""));
            ComputationGraph backbone = SavedBackbone.load(model, new long[]{1, 1, 28, 28}).graph();
            INDArray bankFeatures = FeatureExtractor.extract(backbone, bank.features(), 512);
            INDArray testFeatures = FeatureExtractor.extract(backbone, test.features(), 512);
            double asIs = Knn.top1(bankFeatures, bank.labels(), testFeatures, test.labels(), false);
            double standardised = Knn.top1(bankFeatures, bank.labels(), testFeatures, test.labels(), true);
            System.out.printf("%d,%.2f,%.4f,%.4f%n", iteration, (double) iteration / stepsPerEpoch, asIs, standardised);
        }
    }

    /** kNN top-1 of the test features against the bank, as the report computes it. */
    static final class Knn {
        static double top1(INDArray bank, int[] bankLabels, INDArray test, int[] testLabels, boolean standardised) {
            if (standardised) {
                FeatureStandardiser s = FeatureStandardiser.fit(bank);
                bank = s.apply(bank);
                test = s.apply(test);
            }
            try (KnnClassifier knn = new KnnClassifier(bank, bankLabels, 10, 200, 0.1, 256)) {
                int[] predicted = knn.predict(test);
                int right = 0;
                for (int j = 0; j < predicted.length; j++) {
                    right += predicted[j] == testLabels[j] ? 1 : 0;
                }
                return (double) right / predicted.length;
            }
        }
    }
}
