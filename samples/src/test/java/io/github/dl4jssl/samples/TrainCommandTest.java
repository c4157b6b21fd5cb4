package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.TrainingUi;
import io.github.dl4jssl.train.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class TrainCommandTest {

    @Test
    void shortRunWritesReportPlotsAndModel(@TempDir Path out) throws Exception {
        TestData.requireFashionMnist();
        Cli.run(0, "train", "--method", "simclr", "--dataset", "fashion-mnist", "--train-subset", "512",
                "--epochs", "2", "--batch-size", "64", "--eval-train-subset", "1000", "--eval-test-subset", "300",
                "--linear-epochs", "2", "--seed", "3", "--ui", "--ui-port", "0", "--out", out.toString());
        RunReport r = RunReport.read(out.resolve("report.json"));
        assertEquals("simclr", r.method);
        assertEquals("small-cnn", r.backbone);
        assertEquals(512, r.trainImages);
        assertEquals(2, r.epochs);
        assertTrue(r.optimizer.startsWith("Adam(learningRate=0.001, learningRateSchedule=null"), r.optimizer);
        assertEquals("constant", r.schedule);
        assertEquals(1e-6, r.weightDecay, "SimCLR's default, listed once per layer");
        assertEquals(2, r.lossPerEpoch.size());
        assertEquals(3, r.knnMonitorPerEpoch.size());
        assertTrue(r.imagesPerSecond > 0);
        for (double acc : new double[]{r.knnTop1, r.linearTop1, r.randomKnnTop1, r.randomLinearTop1}) {
            assertTrue(acc > 0.2 && acc <= 1.0, "accuracy out of range: " + acc); // 10 classes: chance is 0.1
        }
        assertTrue(r.linearTop5 >= r.linearTop1);
        assertEquals(3, r.collapseAucPerEpoch.size(), "collapse measured before training and after each epoch");
        assertEquals(3, r.rankMePerEpoch.size());
        assertEquals(RunReport.EQUATION_2, r.collapseMetric);
        assertFalse(r.collapseNormalized);
        assertEquals(3, r.varianceAucPerEpoch.size());
        for (int e = 0; e < 3; e++) {
            double auc = r.collapseAucPerEpoch.get(e);
            assertTrue(auc > 0.5 && auc <= 1.0, "AUC " + auc);
            // Equation 2 on the singular values lies below the same area on their squares (unless rank one)
            assertTrue(auc < r.varianceAucPerEpoch.get(e), auc + " vs " + r.varianceAucPerEpoch.get(e));
        }
        assertEquals(r.collapseAucPerEpoch.get(2), r.collapseAuc);
        assertEquals(r.varianceAucPerEpoch.get(2), r.varianceAuc);
        assertEquals(r.rankMePerEpoch.get(2), r.rankMe);
        assertTrue(Files.readAllLines(out.resolve("collapse.csv")).get(0).contains(",collapseAuc,varianceAuc,rankme,"));
        assertTrue(r.gradientFluctuation.keySet().containsAll(java.util.List.of("first layer", "last layer", "backbone", "projector")),
                r.gradientFluctuation.toString());
        assertNull(r.patchEmbeddingFrozen, "a CNN has no patch projection");
        assertEquals(3, r.projectorCollapseAucPerEpoch.size(), "the projector output is measured too");
        assertEquals(1 + 2 * 3, Files.readAllLines(out.resolve("collapse.csv")).size(), "header + 3 measurements x 2 vertices");
        assertEquals(2 * 8 * 4, Files.readAllLines(out.resolve("gradients.csv")).stream().filter(l -> l.contains(",block,")).count(),
                "16 iterations x 4 blocks (first layer, last layer, backbone, projector; SimCLR has no predictor)");
        // the report's spikes per block are the CSV's spike rows
        java.util.Map<String, java.util.List<Integer>> csvSpikes = new java.util.LinkedHashMap<>();
        for (String line : Files.readAllLines(out.resolve("gradients.csv"))) {
            String[] c = line.split(",", -1);
            if (c[2].equals("block")) {
                csvSpikes.computeIfAbsent(c[3], k -> new java.util.ArrayList<>());
                if (c[7].equals("true")) {
                    csvSpikes.get(c[3]).add(Integer.parseInt(c[0]));
                }
            }
        }
        assertEquals(csvSpikes, r.gradientSpikes);
        assertEquals(java.util.List.of("first layer", "last layer", "backbone", "projector"),
                java.util.List.copyOf(r.gradientSpikes.keySet()));
        for (String f : new String[]{"loss.png", "knn.png", "gradients.png", "fluctuation.png", "collapse.png", "collapse-projector.png"}) {
            byte[] png = Files.readAllBytes(out.resolve(f));
            assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', f + " is not a PNG");
        }
        assertTrue(Files.readAllLines(out.resolve("history.csv")).size() == 4);
        java.util.List<String> knn = Files.readAllLines(out.resolve("knn.csv"));
        assertEquals(4, knn.size(), "header + before training + 2 epochs");
        for (int e = 0; e < 3; e++) {
            String[] row = knn.get(e + 1).split(",");
            assertEquals(String.valueOf(e), row[1]);
            assertEquals(r.knnMonitorPerEpoch.get(e), Double.parseDouble(row[7]), 0.0, "knn.csv and report agree");
        }
        assertUiStatsHoldTheRun(out.resolve(TrainingUi.STATS_FILE), r);
        assertTrue(Files.size(out.resolve("model.zip")) > 0);
        assertTrue(Files.size(out.resolve("backbone.zip")) > 0);
    }

    /** The saved UI storage holds the run's monitor records, and 'ui --stats' serves them. */
    private static void assertUiStatsHoldTheRun(Path stats, RunReport r) throws Exception {
        org.deeplearning4j.ui.api.UIServer server = UiCommand.open(stats, 0);
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + server.getPort() + "/ssl/sessions")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        var sessions = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
        var mine = sessions.get(sessions.size() - 1);
        assertEquals("simclr / small-cnn", mine.get("description").asText());
        assertEquals(16 + 2 * 3 + 3, mine.get("records").asInt(), "16 gradient, 3 x 2 collapse (backbone, projector), 3 kNN measurements");
        var data = new com.fasterxml.jackson.databind.ObjectMapper().readTree(java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.getPort() + "/ssl/data/"
                        + mine.get("id").asText())).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body());
        var knn = data.get("knnTop1").get("kNN top-1").get("y");
        var auc = data.get("collapseAuc").get("backbone_pool").get("y");
        assertEquals(2, data.get("collapseAuc").size(), "backbone features and projector output: " + data.get("collapseAuc"));
        String projector = null;
        for (var it = data.get("collapseAuc").fieldNames(); it.hasNext(); ) {
            String v = it.next();
            if (!v.equals("backbone_pool")) {
                projector = v;
            }
        }
        assertTrue(projector.startsWith("projector_"), projector);
        var projectorAuc = data.get("collapseAuc").get(projector).get("y");
        for (int e = 0; e < 3; e++) {
            assertEquals(r.knnMonitorPerEpoch.get(e), knn.get(e).asDouble(), 0.0);
            assertEquals(r.collapseAucPerEpoch.get(e), auc.get(e).asDouble(), 0.0);
            assertEquals(r.projectorCollapseAucPerEpoch.get(e), projectorAuc.get(e).asDouble(), 0.0);
        }
    }

    @Test
    void uiWithoutAStatsFileNamesTheFix(@TempDir Path out) {
        String err = Cli.run(2, "ui", "--stats", out.resolve("missing.dl4j").toString());
        assertTrue(err.contains("missing.dl4j") && err.contains("train --ui"), err);
    }

    /**
     * The methods that learn at a test-sized budget train from the CLI, write the same report, and beat the same
     * backbone's random initial weights on kNN top-1 (the report's {@code randomKnnTop1}: the same graph before
     * training, the same bank and test images, so the comparison is paired) by at least {@value #LEARNS_BY} point.
     * Budget: {@link ShortRunLearnsTest}'s, the first 2,048 Fashion-MNIST images x 4 epochs at batch 64 (128 steps),
     * bank 2,000, test 1,000; about 75 seconds per method. Leads measured in session 8 (seed 42) over the random
     * weights' 57.6%: SimCLR-EMA +4.6, SimCLR-EMA-projector +4.0, MoCo v1 +6.1, MoCo v3 +3.5 points; repeated runs on
     * the 2-core machine gave the same figures. SimCLR +5.8 and SimCLR-EMA-stages +4.4 (session 9). With the slow starters below, every
     * method of {@code train --method} is held to beating its random weights from the command line.
     */
    static final double LEARNS_BY = 1.0;

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"simclr", "simclr-ema", "simclr-ema-projector", "simclr-ema-stages", "mocov1", "mocov3"})
    void methodsTrainFromTheCliAndBeatTheirRandomWeights(String method, @TempDir Path out) throws Exception {
        assertLearned(trainFromTheCli(method, out, 4, "--train-subset", "2048", "--batch-size", "64",
                "--eval-train-subset", "2000", "--eval-test-subset", "1000"));
    }

    /**
     * MoCo v2, BYOL and SimSiam start slowly: the first steps move the random features away from what the kNN likes,
     * and they pass their random weights only after more steps, and then only under a larger evaluation bank. So they
     * get the recipe sweeps' budget (the first 6,000 images x 3 epochs at batch 128, 138 steps) and a 5,000-image
     * bank with 2,000 test images, where they must beat their random weights by the same {@value #LEARNS_BY} point;
     * about 2 minutes per method. Leads over the random weights' 62.85% (kNN points, seed 42): MoCo v2 +4.4, BYOL +3.25,
     * SimSiam +3.7 (session 10: BYOL's and SimSiam's losses in plain ND4J, SimSiam with its new default, Adam; in session 8,
     * docs/experiments/recipe-screen-s8, with the SameDiff losses and SimSiam's SGD: BYOL +3.5, SimSiam +2.3).
     * At smaller budgets they do not beat their random weights reliably: 128 steps of 64 with bank 2,000 gave MoCo v2
     * +1.1, SimSiam +1.0, BYOL +0.1; 256 steps of 64, BYOL +2.6 and SimSiam +0.6; 138 steps of 128 with bank 2,000,
     * BYOL -0.3.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"mocov2", "byol", "simsiam"})
    void theSlowStartersTrainFromTheCliAndBeatTheirRandomWeights(String method, @TempDir Path out) throws Exception {
        assertLearned(trainFromTheCli(method, out, 3, "--train-subset", "6000", "--batch-size", "128",
                "--eval-train-subset", "5000", "--eval-test-subset", "2000"));
    }

    private static void assertLearned(RunReport r) {
        assertTrue(100 * (r.knnTop1 - r.randomKnnTop1) >= LEARNS_BY, String.format(
                "%s did not learn: kNN top-1 %.2f%% against %.2f%% for its random weights (needed: %.1f points more)",
                r.method, 100 * r.knnTop1, 100 * r.randomKnnTop1, LEARNS_BY));
    }

    /** Trains {@code method} from the CLI for {@code epochs} with the given options; checks the report's shared fields. */
    private static RunReport trainFromTheCli(String method, Path out, int epochs, String... options) throws Exception {
        TestData.requireFashionMnist();
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--method", method, "--epochs",
                Integer.toString(epochs), "--linear-epochs", "1", "--out", out.toString()));
        args.addAll(java.util.List.of(options));
        Cli.run(0, args.toArray(String[]::new));
        RunReport r = RunReport.read(out.resolve("report.json"));
        assertEquals(method, r.method);
        assertEquals(epochs, r.lossPerEpoch.size());
        assertTrue(r.lossPerEpoch.stream().allMatch(Double::isFinite), "loss " + r.lossPerEpoch);
        assertTrue(Files.exists(out.resolve("knn.png")));
        return r;
    }

    @Test
    void moCoQueueLargerThanTheDataIsRefused(@TempDir Path out) {
        TestData.requireFashionMnist();
        String err = Cli.run(2, "train", "--method", "mocov2", "--train-subset", "256", "--batch-size", "32",
                "--queue-size", "4096", "--out", out.toString());
        assertTrue(err.contains("--queue-size 4096") && err.contains("256"), err);
    }

    /** MoCo v3 on a tiny ViT with the frozen patch projection: trains, and the report says it was frozen. */
    @Test
    void mocov3OnAVitWithFrozenPatchProjection(@TempDir Path out) throws Exception {
        TestData.requireFashionMnist();
        Cli.run(0, "train", "--method", "mocov3", "--backbone", "vit-tiny", "--vit-depth", "1", "--vit-width", "16",
                "--vit-heads", "2", "--vit-patch", "7", "--freeze-patch-embedding", "--train-subset", "128",
                "--epochs", "1", "--batch-size", "32", "--eval-train-subset", "200", "--eval-test-subset", "100",
                "--linear-epochs", "1", "--out", out.toString());
        RunReport r = RunReport.read(out.resolve("report.json"));
        assertEquals(Boolean.TRUE, r.patchEmbeddingFrozen);
        assertTrue(r.backboneDetails.contains("patch 7, width 16, depth 1, heads 2"), r.backboneDetails);
        assertTrue(Double.isFinite(r.lossPerEpoch.get(0)));
    }

    @Test
    void vitOptionsOnACnnAreRefused(@TempDir Path out) {
        TestData.requireFashionMnist();
        String err = Cli.run(2, "train", "--backbone", "small-cnn", "--freeze-patch-embedding", "--out", out.toString());
        assertTrue(err.contains("--freeze-patch-embedding") && err.contains("vit-tiny"), err);
    }

    @Test
    void unknownMethodListsTheValidOnes(@TempDir Path out) {
        String err = Cli.run(2, "train", "--method", "mocov9", "--out", out.toString());
        assertTrue(err.contains("mocov9") && err.contains("simclr"), err);
    }

    @Test
    void unknownBackboneListsTheValidOnes(@TempDir Path out) {
        TestData.requireFashionMnist();
        String err = Cli.run(2, "train", "--backbone", "vgg", "--out", out.toString());
        assertTrue(err.contains("vgg") && err.contains("small-cnn"), err);
    }

    @Test
    void missingDataDirectoryNamesTheFix(@TempDir Path out) {
        String err = Cli.run(2, "train", "--data", out.resolve("nowhere").toString(), "--out", out.toString());
        assertTrue(err.contains("nowhere") && err.contains("dataset-fashion-mnist"), err);
    }

    /** A labelled image folder (3 classes of noisy colour images, one corrupt file) trains under the hybrid regime. */
    @Test
    void imageFolderTrainsUnderTheHybridRegimeAndReportsSkippedImages(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("images");
        java.util.Random rnd = new java.util.Random(1);
        int[] colours = {0xC03020, 0x20B040, 0x3040C0};
        for (int c = 0; c < 3; c++) {
            Path cls = Files.createDirectories(dir.resolve("class" + c));
            for (int i = 0; i < 24; i++) {
                java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(14, 10, java.awt.image.BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 10; y++) {
                    for (int x = 0; x < 14; x++) {
                        img.setRGB(x, y, colours[c] ^ rnd.nextInt(0x202020));
                    }
                }
                javax.imageio.ImageIO.write(img, "png", cls.resolve(i + ".png").toFile());
            }
        }
        Files.write(dir.resolve("class1/corrupt.png"), new byte[] {1, 2, 3, 4});
        Path out = tmp.resolve("run");
        Cli.run(0, "train", "--dataset", "folder", "--data", dir.toString(), "--image-size", "16", "--holdout", "0.25",
                "--regime", "hybrid", "--passes", "2", "--chunk-size", "16", "--train-subset", "0", "--epochs", "2",
                "--batch-size", "8", "--linear-epochs", "1", "--workers", "2", "--out", out.toString());
        RunReport r = RunReport.read(out.resolve("report.json"));
        assertEquals("folder", r.dataset);
        assertEquals("hybrid", r.regime);
        assertEquals(1, r.skippedImages);
        assertEquals(48, r.trainImages, "72 images, 18 held out: 54 per epoch, of which 6 whole batches of 8 are trained");
        assertEquals(54, r.distinctTrainImages, "2 epochs x 54 images at 2 passes per chunk");
        assertEquals(18, r.evalTestImages);
        assertEquals(2, r.lossPerEpoch.size());
        assertTrue(r.knnTop1 > 0.34, "3 colour classes are easy: kNN top-1 " + r.knnTop1);
    }

    @Test
    void continualRegimeNeedsEnoughDistinctImages(@TempDir Path out) {
        TestData.requireFashionMnist();
        String err = Cli.run(2, "train", "--regime", "continual", "--train-subset", "40000", "--epochs", "2",
                "--out", out.toString());
        assertTrue(err.contains("needs 80000 distinct images") && err.contains("60000"), err);
        err = Cli.run(2, "train", "--regime", "forever", "--out", out.toString());
        assertTrue(err.contains("forever") && err.contains("multi-epoch, continual, hybrid"), err);
        err = Cli.run(2, "train", "--dataset", "mnist", "--out", out.toString());
        assertTrue(err.contains("mnist") && err.contains("fashion-mnist, cifar10, cifar100, folder"), err);
    }

    @Test
    void batchTooSmallForNegatives(@TempDir Path out) {
        String err = Cli.run(2, "train", "--batch-size", "1", "--out", out.toString());
        assertTrue(err.contains("--batch-size"), err);
    }
}
