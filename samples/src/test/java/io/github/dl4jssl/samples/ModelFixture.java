package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.TrainingRun;
import io.github.dl4jssl.train.Checkpoints;
import io.github.dl4jssl.train.Checkpoints;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The model files of {@code train} saved with the code of version 0.1.0 (issue #17, item 6): one tiny run per
 * method and backbone, whose {@code model.zip} and mid-run checkpoint are kept as test resources under
 * {@link #ROOT}, so that a refactoring that renames or moves a class DL4J writes into model JSON is caught by
 * {@code OldModelFilesLoadTest}. {@code ModelFixturesGenerator} made them (see {@code manifest.json} there).
 *
 * <p>Every run: 64 Fashion-MNIST images, batch 16 (4 iterations, one epoch), a checkpoint after iteration 2
 * ({@code --checkpoint-every 2}), seed 7; CNNs at a quarter of their width and MLP heads 32 wide
 * ({@code --head-hidden 32}; MoCo v1/v2's heads are small anyway), so that each file is small.</p>
 */
enum ModelFixture {
    SIMCLR("simclr", List.of("--method", "simclr", "--width-multiplier", "0.25", "--head-hidden", "32"),
            Set.of("NativeConvolutionLayer", "NativeBatchNormalization", "NtXentLoss")),
    SIMCLR_EMA("simclr-ema", List.of("--method", "simclr-ema", "--width-multiplier", "0.25", "--head-hidden", "32"),
            Set.of("NativeConvolutionLayer", "TrainModeFrozenLayer", "InfoNceLoss")),
    SIMCLR_EMA_PROJECTOR("simclr-ema-projector", List.of("--method", "simclr-ema-projector", "--width-multiplier", "0.25", "--head-hidden", "32"),
            Set.of("NativeConvolutionLayer", "TrainModeFrozenLayer", "InfoNceLoss")),
    /** MoCo v1 with its default shuffle BN: the key encoder's batch norms are SplitBatchNormalization. */
    MOCOV1("mocov1", List.of("--method", "mocov1", "--width-multiplier", "0.25", "--queue-size", "48"),
            Set.of("NativeConvolutionLayer", "TrainModeFrozenLayer", "SplitBatchNormalization", "InfoNceLoss")),
    /** MoCo v1 with DL4J's own convolution and batch-norm layers ({@code --layers dl4j}), shuffle BN from those. */
    MOCOV1_DL4J_LAYERS("mocov1-dl4j-layers", List.of("--method", "mocov1", "--layers", "dl4j", "--width-multiplier", "0.25",
            "--queue-size", "48"),
            Set.of("ConvolutionLayer", "BatchNormalization", "TrainModeFrozenLayer", "SplitBatchNormalization", "InfoNceLoss")),
    MOCOV2("mocov2", List.of("--method", "mocov2", "--width-multiplier", "0.25", "--queue-size", "48"),
            Set.of("NativeConvolutionLayer", "TrainModeFrozenLayer", "SplitBatchNormalization", "InfoNceLoss")),
    MOCOV3("mocov3", List.of("--method", "mocov3", "--width-multiplier", "0.25", "--head-hidden", "32"),
            Set.of("NativeConvolutionLayer", "TrainModeFrozenLayer", "InfoNceLoss")),
    /** MoCo v3 on a tiny ViT with the frozen patch projection and its AdamW warm-up cosine schedule. */
    MOCOV3_VIT("mocov3-vit", List.of("--method", "mocov3", "--backbone", "vit-tiny", "--vit-depth", "1", "--vit-width", "16",
            "--vit-heads", "2", "--vit-patch", "7", "--freeze-patch-embedding", "--head-hidden", "32"),
            Set.of("PatchEmbedding", "ClassTokenPositionEmbedding", "TransformerEncoderBlock", "TokenPooling",
                    "TrainModeFrozenLayer", "InfoNceLoss", "WarmupCosineSchedule")),
    BYOL("byol", List.of("--method", "byol", "--width-multiplier", "0.25", "--head-hidden", "32"),
            Set.of("NativeConvolutionLayer", "TrainModeFrozenLayer", "ByolLoss")),
    SIMSIAM("simsiam", List.of("--method", "simsiam", "--width-multiplier", "0.25", "--head-hidden", "32"),
            Set.of("NativeConvolutionLayer", "NegativeCosineLoss")),
    /** SimCLR on ResNet-18 (CIFAR variant) at 1/16 of its width: stem and stage 1 of 4 channels. */
    SIMCLR_RESNET18("simclr-resnet18", List.of("--method", "simclr", "--backbone", "resnet18-cifar", "--width-multiplier", "0.0625", "--head-hidden", "32"),
            Set.of("NativeConvolutionLayer", "NativeBatchNormalization", "NtXentLoss"));

    /** The fixtures' folder, relative to the samples module (Maven's working directory for tests). */
    static final Path ROOT = Paths.get("src/test/resources/fixtures/v0.1.0");
    static final String COMMAND = TrainingRun.COMMAND_FILE;
    static final String EXPECTED_OUTPUT = "expected-output.npy";
    /** The checkpoint each fixture keeps: after iteration 2 of 4. */
    static final String CHECKPOINT = "iter-00000002";
    static final int ITERATIONS = 4;
    static final int BATCH = 16;
    /** The options every fixture run shares. */
    static final List<String> COMMON = List.of("--train-subset", "64", "--batch-size", String.valueOf(BATCH), "--epochs", "1",
            "--checkpoint-every", "2", "--eval-train-subset", "100", "--eval-test-subset", "100", "--linear-epochs", "1",
            "--seed", "7");

    final String id;
    final List<String> options;
    /** Simple names of classes the restored graph must hold (layers, wrapped layers, updaters, schedules). */
    final Set<String> classes;

    ModelFixture(String id, List<String> options, Set<String> classes) {
        this.id = id;
        this.options = options;
        this.classes = classes;
    }

    Path dir() {
        return ROOT.resolve(id);
    }

    Path checkpoint() {
        return dir().resolve(Checkpoints.DIR).resolve(CHECKPOINT);
    }

    /** The arguments of {@code dl4j-ssl train} (without {@code --out}) that made this fixture. */
    List<String> trainArguments() {
        List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(options);
        args.addAll(COMMON);
        return args;
    }

    /**
     * The fixed input on which the stored output was computed: 4 pairs of 28x28 greyscale views (8 rows),
     * pixel i = (1 + sin(0.37 i)) / 2, a pattern that needs no random generator (whose algorithm may change).
     */
    static INDArray fixedInput() {
        INDArray x = Transforms.sin(Nd4j.arange(0, 8 * 28 * 28).castTo(DataType.DOUBLE).muli(0.37)).addi(1).divi(2);
        return x.reshape(8, 1, 28, 28).castTo(DataType.FLOAT);
    }

    /** The graph's output (inference mode) on {@link #fixedInput()}. */
    static INDArray output(ComputationGraph graph) {
        return graph.output(false, fixedInput())[0];
    }
}
