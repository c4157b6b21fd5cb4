package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.zoo.backbone.Backbone;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.List;

/**
 * The methods of the zoo by their command-line names, each with its paper defaults, for programs that
 * choose the method at run time (the samples CLI, benchmarks, experiments).
 */
public final class SslMethods {

    /** Valid names, in the order the documentation lists them. */
    public static final List<String> NAMES = List.of("simclr", "simclr-ema", "simclr-ema-projector", "simclr-ema-stages",
            "mocov1", "mocov2", "mocov3", "byol", "simsiam");

    private SslMethods() {
    }

    /**
     * Settings a run may override; a null field keeps the method's paper default.
     *
     * @param updater     the optimizer
     * @param temperature softmax temperature of the contrastive methods (ignored by BYOL and SimSiam)
     * @param queueSize   MoCo v1/v2 key-queue size K
     * @param batchSize   image pairs per batch (lets MoCo check its queue at build time)
     */
    public record Options(IUpdater updater, Double temperature, Integer queueSize, Integer batchSize, long seed) {
        public static Options defaults(long seed) {
            return new Options(null, null, null, null, seed);
        }
    }

    /** The method called {@code name} on {@code backbone}; an unknown name is an error listing the valid ones. */
    public static SslMethod create(String name, Backbone backbone, Options o) {
        switch (name == null ? "" : name.toLowerCase(java.util.Locale.ROOT)) {
            case "simclr": {
                SimClr.Builder b = new SimClr.Builder().backbone(backbone).seed(o.seed());
                if (o.updater() != null) b.updater(o.updater());
                if (o.temperature() != null) b.temperature(o.temperature());
                return b.build();
            }
            case "simclr-ema":
            case "simclr-ema-projector":
            case "simclr-ema-stages": {
                SimClrEma.Builder b = new SimClrEma.Builder().backbone(backbone).seed(o.seed())
                        .scope(name.endsWith("projector") ? SimClrEma.Scope.PROJECTOR_ONLY
                                : name.endsWith("stages") ? SimClrEma.Scope.STAGES : SimClrEma.Scope.FULL_ENCODER);
                if (o.updater() != null) b.updater(o.updater());
                if (o.temperature() != null) b.temperature(o.temperature());
                return b.build();
            }
            case "mocov1":
            case "mocov2": {
                MocoConfig.Builder<?> b = name.equals("mocov1") ? new MocoV1.Builder() : new MocoV2.Builder();
                b.backbone(backbone).seed(o.seed());
                if (o.updater() != null) b.updater(o.updater());
                if (o.temperature() != null) b.temperature(o.temperature());
                if (o.queueSize() != null) b.queueSize(o.queueSize());
                if (o.batchSize() != null) b.batchSize(o.batchSize());
                return name.equals("mocov1") ? ((MocoV1.Builder) b).build() : ((MocoV2.Builder) b).build();
            }
            case "mocov3": {
                MocoV3.Builder b = new MocoV3.Builder().backbone(backbone).seed(o.seed());
                if (o.updater() != null) b.updater(o.updater());
                if (o.temperature() != null) b.temperature(o.temperature());
                return b.build();
            }
            case "byol": {
                Byol.Builder b = new Byol.Builder().backbone(backbone).seed(o.seed());
                if (o.updater() != null) b.updater(o.updater());
                return b.build();
            }
            case "simsiam": {
                SimSiam.Builder b = new SimSiam.Builder().backbone(backbone).seed(o.seed());
                if (o.updater() != null) b.updater(o.updater());
                return b.build();
            }
            default:
                throw new IllegalArgumentException("unknown method '" + name + "'; valid methods: " + String.join(", ", NAMES));
        }
    }
}
