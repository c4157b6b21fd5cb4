package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.RunMonitors;
import io.github.dl4jssl.train.SavedBackbone;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dl4jssl.listeners.monitor.CollapseMetrics;
import io.github.dl4jssl.samples.collapse.CollapseSummary;
import io.github.dl4jssl.samples.collapse.EmbeddingFile;
import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.listeners.eval.FeatureExtractor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code dl4j-ssl collapse}: the dimensional-collapse metrics ({@link CollapseMetrics}: the collapse AUC of Li, Efros,
 * Pathak 2022, Equation 2, the variance AUC, RankMe, effective dimensions, singular values) of an embedding matrix
 * exported from any framework ({@code --features}, {@link EmbeddingFile}) or of a saved backbone's features on the
 * first N test images of a data set ({@code --model}).
 */
@Command(name = "collapse", mixinStandardHelpOptions = true,
        description = "Dimensional-collapse metrics (collapse AUC of Li, Efros, Pathak 2022 Eq. 2, variance AUC, RankMe) "
                + "of an embedding matrix (.npy or .csv, rows = samples) or of a saved backbone's features.")
public final class CollapseCommand implements Callable<Integer> {

    /** Default number of test images for {@code --model}, as many as the training's collapse probe. */
    static final int DEFAULT_IMAGES = RunMonitors.COLLAPSE_PROBE;

    static final class Source {
        @Option(names = "--features", paramLabel = "FILE",
                description = "Embedding matrix, rows = samples: NumPy .npy (float32/float64, 2-D) or CSV with or without a header.")
        Path features;

        @Option(names = "--model", paramLabel = "PATH", description = "A train run directory, its model.zip or backbone.zip.")
        Path model;
    }

    @ArgGroup(multiplicity = "1")
    Source source;

    @Mixin
    DataOptions dataOptions = new DataOptions();

    @Option(names = "--images", defaultValue = "" + DEFAULT_IMAGES,
            description = "--model: the first N test images (more than the feature dimension for a full spectrum). Default: ${DEFAULT-VALUE}.")
    int images;

    @Option(names = "--normalize",
            description = "L2-normalise each embedding before centring, as the --normalize of the authors' test_collapse.py (default: off, as there).")
    boolean normalize;

    @Option(names = "--json", description = "Print one JSON object (collapseAuc, varianceAuc, rankMe, singularValues, ...).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CollapseSummary summary;
        if (source.features != null) {
            double[][] rows = EmbeddingFile.read(source.features);
            summary = CollapseSummary.of(source.features.toString(), metrics(Nd4j.createFromArray(rows), normalize));
        } else {
            if (images < 2) {
                throw new IllegalArgumentException("--images must be at least 2, got " + images);
            }
            dataOptions.validate();
            SavedBackbone.checkExists(source.model, "");
            LabelledImages test = dataOptions.load(42).test();
            LabelledImages probe = test.subset(Math.min(images, test.size()));
            SavedBackbone saved = SavedBackbone.load(source.model, probe.features().shape());
            summary = CollapseSummary.of(saved.file() + " on " + probe.size() + " " + Datasets.normalise(dataOptions.dataset)
                    + " test images", measure(saved.graph(), probe.features(), normalize));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? new ObjectMapper().writeValueAsString(summary) + System.lineSeparator() : summary.text());
        out.flush();
        return 0;
    }

    /**
     * The collapse metrics of a backbone's features (centred, EIGEN solver, as the training's collapse monitor).
     *
     * @param backbone  a backbone graph
     * @param images    the images
     * @param normalize L2-normalise each feature vector first
     */
    static CollapseMetrics.Result measure(ComputationGraph backbone, INDArray images, boolean normalize) {
        return metrics(FeatureExtractor.extract(backbone, images, 256), normalize);
    }

    private static CollapseMetrics.Result metrics(INDArray features, boolean normalize) {
        return CollapseMetrics.compute(features, normalize, true, CollapseMetrics.Solver.EIGEN);
    }
}
