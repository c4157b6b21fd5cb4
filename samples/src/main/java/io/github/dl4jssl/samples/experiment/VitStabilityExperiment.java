package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.RunSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code vit-stability}: Chen, Xie, He, "An Empirical Study of Training Self-Supervised Vision Transformers" (MoCo v3,
 * ICCV 2021), sections 4.1-4.2: self-supervised ViT training is unstable at high learning rates, gradient spikes show
 * first in the first layer, and freezing the random patch projection fixes it. MoCo v3 on a small ViT at a high AdamW
 * learning rate, with a trainable and with a frozen patch projection (longer runs than {@code scripts/vit-stability.sh}).
 */
public final class VitStabilityExperiment extends PaperExperiment {

    static final int TRAIN_IMAGES = 2000;
    static final int EPOCHS = 15;
    static final int BATCH = 32;

    public VitStabilityExperiment() {
        super("vit-stability",
                "Chen, Xie, He 2021 (MoCo v3), sections 4.1-4.2. Claims tested: at a high learning rate, self-supervised ViT "
                + "training shows gradient spikes, first in the first layer, followed by dips of kNN accuracy; a frozen random "
                + "patch projection removes them. MoCo v3 on a ViT of depth 2, width 32, 4 heads, patch 7 (16 tokens on "
                + "28x28 Fashion-MNIST), AdamW at peak lr 5e-3 (about 130x the paper's rate for this batch), batch " + BATCH + ", " + EPOCHS
                + " epochs of " + TRAIN_IMAGES + " images (times --scale).",
                1);
    }

    @Override
    public List<PlannedRun> plan(Budget budget) {
        return budget.perSeed(seed -> Stream.of(false, true).map(frozen -> {
            RunSpec spec = budget.train(TRAIN_IMAGES, EPOCHS, seed, BATCH).method("mocov3").backbone("vit-tiny").vitDepth(2)
                    .vitWidth(32).vitHeads(4).vitPatch(7).learningRate(5e-3).freezePatchEmbedding(frozen).build();
            String id = (frozen ? "frozen" : "trainable") + "-seed" + seed;
            return new PlannedRun(id, Map.of("patch projection", frozen ? "frozen" : "trainable", "seed", Long.toString(seed)), spec);
        }).toList());
    }

    @Override
    public String summarize(List<FinishedRun> runs, Path outDir) throws IOException {
        StringBuilder md = new StringBuilder("## Results\n\n");
        for (int i = 0; i + 1 < runs.size(); i += 2) {
            FinishedRun trainable = runs.get(i);
            FinishedRun frozen = runs.get(i + 1);
            VitStabilityPlot.Run a = VitStabilityPlot.Run.read(trainable.dir(), "trainable patch projection");
            VitStabilityPlot.Run b = VitStabilityPlot.Run.read(frozen.dir(), "frozen random patch projection");
            String png = "vit-stability-seed" + trainable.factor("seed") + ".png";
            VitStabilityPlot.plot(a, b, outDir.resolve(png));
            md.append("Seed ").append(trainable.factor("seed")).append(":\n\n- ").append(a.summary()).append("\n- ")
                    .append(b.summary()).append("\n\n![").append(png).append("](").append(png).append(")\n\n");
        }
        md.append("## What the runs show\n\nCompare the first-layer gradient spikes and the kNN dips of the two runs above; "
                + "one seed at this scale is within noise, so read the curves, not a verdict.\n");
        return md.toString();
    }
}
