package io.github.dl4jssl.samples;

import io.github.dl4jssl.layers.optim.Lars;
import io.github.dl4jssl.layers.optim.LarsTrustRatio;
import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.VisionTransformer;
import io.github.dl4jssl.zoo.method.MocoV3;
import io.github.dl4jssl.zoo.method.SslMethods;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;

/**
 * The optimizer options of {@code train} (a picocli mixin): the optimizer (Adam, SGD with momentum, LARS), its weight
 * decay and learning-rate schedule (constant, or SimCLR / BYOL / MoCo v3's linear warm-up then cosine decay), for every
 * method. Without them each method keeps its own optimizer; MoCo v3 on a ViT keeps its AdamW on warm-up + cosine.
 */
final class OptimizerOptions {

    static final List<String> OPTIMIZERS = List.of("adam", "sgd", "lars");
    static final List<String> SCHEDULES = List.of("constant", "warmup-cosine");

    @Option(names = "--optimizer", description = "Optimizer: adam, sgd (momentum 0.9, Nesterov, as the MoCo and SimSiam"
            + " defaults here) or lars (You et al. 2017; momentum 0.9, no decay or adaptation for biases and BatchNorm)."
            + " Default: the method's own (SimCLR, BYOL, MoCo v3: Adam 1e-3; MoCo v1/v2 and SimSiam: sgd), or adam with --lr.")
    String optimizer;

    @Option(names = "--weight-decay", description = "Weight decay on the weights (LARS: inside its trust ratio; otherwise"
            + " DL4J's decoupled decay). Default: the method's (SimCLR 1e-6, BYOL 1.5e-6, MoCo/SimSiam 1e-4, MoCo v3 on a ViT 0.1).")
    Double weightDecay;

    @Option(names = "--trust-coefficient", description = "LARS trust coefficient eta > 0. Default: 0.001 (the papers').")
    Double trustCoefficient;

    @Option(names = "--schedule", description = "Learning-rate schedule: constant or warmup-cosine (linear warm-up, then"
            + " cosine decay to 0 at the end of the run). Default: constant (MoCo v3 on a ViT: warmup-cosine).")
    String schedule;

    @Option(names = "--warmup-epochs", description = "warmup-cosine: epochs of linear warm-up, may be fractional (default:"
            + " 40/300 of the run, MoCo v3's).")
    Double warmupEpochs;

    /** Checks the values before any work is done; {@code lr} is {@code --lr}. */
    void validate(Double lr, int epochs) {
        if (optimizer != null && !OPTIMIZERS.contains(optimizer.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("unknown --optimizer '" + optimizer + "'; valid: " + String.join(", ", OPTIMIZERS));
        }
        if (schedule != null && !SCHEDULES.contains(schedule.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("unknown --schedule '" + schedule + "'; valid: " + String.join(", ", SCHEDULES));
        }
        if (lr != null && !(lr > 0 && lr < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("--lr must be a positive number, got " + lr);
        }
        if (weightDecay != null && !(weightDecay >= 0 && weightDecay < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("--weight-decay must be a finite number >= 0, got " + weightDecay);
        }
        if (trustCoefficient != null && !isLars()) {
            throw new IllegalArgumentException("--trust-coefficient applies to --optimizer lars only");
        }
        if (trustCoefficient != null && !(trustCoefficient > 0 && trustCoefficient < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("--trust-coefficient must be a positive number (the papers: 0.001), got " + trustCoefficient);
        }
        if (warmupEpochs != null) {
            if (!"warmup-cosine".equalsIgnoreCase(schedule)) {
                throw new IllegalArgumentException("--warmup-epochs applies to --schedule warmup-cosine only");
            }
            if (!(warmupEpochs >= 0 && warmupEpochs < epochs)) {
                throw new IllegalArgumentException("--warmup-epochs must be in [0, --epochs) = [0, " + epochs + "), got " + warmupEpochs);
            }
        }
    }

    private boolean isLars() {
        return "lars".equalsIgnoreCase(optimizer);
    }

    /**
     * The method options with this optimizer: {@code --optimizer} (or Adam when only {@code --lr} is given, or MoCo v3's
     * AdamW on a ViT) at {@code lr} or the optimizer's default rate, the weight decay and the schedule; null fields keep
     * the method's own.
     */
    SslMethods.Options methodOptions(String method, Backbone net, Double lr, Double temperature, int queue, int batchSize,
                                     long seed, Double momentum, int epochs, long iterationsPerEpoch) {
        boolean vitMoco = "mocov3".equals(method) && net instanceof VisionTransformer;
        String name = optimizer != null ? optimizer.toLowerCase(Locale.ROOT) : lr != null || vitMoco ? "adam" : null;
        IUpdater updater = name == null ? null : switch (name) {
            case "sgd" -> new Nesterovs(lr != null ? lr : 0.05 * batchSize / 256, 0.9);
            case "lars" -> Lars.builder().learningRate(lr != null ? lr : 0.3 * batchSize / 256)
                    .trustCoefficient(trustCoefficient != null ? trustCoefficient : Lars.DEFAULT_TRUST_COEFFICIENT).build();
            default -> new Adam(lr != null ? lr : vitMoco ? MocoV3.VIT_BASE_LEARNING_RATE * batchSize / 256.0 : 1e-3);
        };
        Double decay = weightDecay != null ? weightDecay : vitMoco && "adam".equals(name) ? MocoV3.VIT_WEIGHT_DECAY : null;
        boolean cosine = schedule != null ? "warmup-cosine".equalsIgnoreCase(schedule) : vitMoco;
        SslMethods.WarmupCosine warmupCosine = null;
        if (cosine) {
            long total = Math.max(2, epochs * iterationsPerEpoch);
            long warmup = warmupEpochs != null ? Math.min(total - 1, Math.round(warmupEpochs * iterationsPerEpoch))
                    : MocoV3.vitWarmupIterations(total);
            warmupCosine = new SslMethods.WarmupCosine(warmup, total);
        }
        return new SslMethods.Options(updater, temperature, queue, batchSize, seed, momentum, decay, warmupCosine);
    }

    /**
     * Writes the optimizer, schedule and weight decay the graph trains with into {@code report}, as its first trained
     * weights' configuration has them.
     */
    static void describe(ComputationGraph graph, RunReport report) {
        for (Layer layer : graph.getLayers()) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            if (layer.numParams() == 0 || conf.getRegularizationByParam("W") == null || conf.getUpdaterByParam("W") == null) {
                continue;
            }
            IUpdater u = conf.getUpdaterByParam("W");
            if (u instanceof NoOp || u instanceof Sgd && u.getLearningRate(0, 0) == 0) {
                continue; // a frozen layer (target branch, frozen patch projection)
            }
            report.optimizer = u.toString();
            String s = u.getLearningRate(0, 0) == u.getLearningRate(Integer.MAX_VALUE / 2, 0) ? "constant" : "warmup-cosine";
            report.schedule = s;
            report.weightDecay = 0.0;
            for (Regularization r : conf.getRegularizationByParam("W")) {
                if (r instanceof LarsTrustRatio t) report.weightDecay = t.getWeightDecay();
                if (r instanceof WeightDecay d) report.weightDecay = d.getCoeff().valueAt(0, 0);
            }
            return;
        }
    }
}
