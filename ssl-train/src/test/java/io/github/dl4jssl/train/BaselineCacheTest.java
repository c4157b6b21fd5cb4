package io.github.dl4jssl.train;

import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class BaselineCacheTest {

    @Test
    void missComputesAndStoresHitReadsCorruptFileIsRecomputed(@TempDir Path dir) throws Exception {
        BaselineCache cache = BaselineCache.at(dir.toString());
        AtomicInteger computed = new AtomicInteger();
        assertEquals(0.5, cache.get("k", "abc", Double.class, () -> 0.5 + 0 * computed.incrementAndGet()));
        assertEquals(1, computed.get());
        Path file = cache.file("k", "abc");
        assertEquals(0.5, Double.parseDouble(Files.readString(file).trim()));
        assertEquals(0.5, cache.get("k", "abc", Double.class, () -> 0.0 + 0 * computed.incrementAndGet()), "hit");
        assertEquals(1, computed.get(), "not computed again");
        assertEquals(0.7, cache.get("k", "abd", Double.class, () -> 0.7 + 0 * computed.incrementAndGet()), "another key misses");
        assertEquals(2, computed.get());

        Files.writeString(file, "{not json");
        assertEquals(0.25, cache.get("k", "abc", Double.class, () -> 0.25), "a corrupt file is recomputed");
        assertEquals(0.25, Double.parseDouble(Files.readString(file).trim()), "and rewritten");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("k-abc.json", "k-abd.json"),
                    files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()), "no temporary file left");
        }
    }

    @Test
    void noneCachesNothingAndAnUnwritableCacheStillGivesTheResult(@TempDir Path dir) throws Exception {
        BaselineCache off = BaselineCache.at(BaselineCache.OFF);
        assertNull(off.file("k", "x"));
        AtomicInteger computed = new AtomicInteger();
        off.get("k", "x", Double.class, () -> 1.0 + 0 * computed.incrementAndGet());
        off.get("k", "x", Double.class, () -> 1.0 + 0 * computed.incrementAndGet());
        assertEquals(2, computed.get());
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        assertEquals(3.0, BaselineCache.at(notADirectory.toString()).get("k", "x", Double.class, () -> 3.0));
    }

    @Test
    void keyFollowsEveryPixelEveryLabelAndEverySetting() {
        LabelledImages a = EvaluationTest.images(20, 1);
        String key = new CacheKey().add("protocol").add(10).add(a).hex();
        assertEquals(64, key.length());
        assertEquals(key, new CacheKey().add("protocol").add(10).add(EvaluationTest.images(20, 1)).hex(), "same content, same key");
        assertNotEquals(key, new CacheKey().add("protocol").add(11).add(a).hex(), "a setting");
        assertNotEquals(key, new CacheKey().add("protoco").add("l10").add(a).hex(), "settings are delimited");
        assertNotEquals(key, new CacheKey().add("protocol").add(10).add(a.subset(19)).hex(), "the evaluation size");
        float[] pixels = a.features().dup().data().asFloat();
        pixels[77] += 1e-3f;
        LabelledImages onePixel = new LabelledImages(Nd4j.create(pixels, a.features().shape(), 'c'), a.labels(), 3);
        assertNotEquals(key, new CacheKey().add("protocol").add(10).add(onePixel).hex(), "one pixel");
        int[] labels = a.labels();
        labels[3] = (labels[3] + 1) % 3;
        assertNotEquals(key, new CacheKey().add("protocol").add(10).add(new LabelledImages(a.features(), labels, 3)).hex(), "one label");
    }

    @Test
    void reportsTakeTheRawPixelBaselinesFromTheCacheUntilTheDataChange(@TempDir Path dir) throws Exception {
        LabelledImages bank = EvaluationTest.images(60, 1);
        LabelledImages test = EvaluationTest.images(30, 2);
        Evaluation eval = new Evaluation(bank, test, 2, 5);
        Baselines baselines = new Baselines(eval, BaselineCache.at(dir.toString()),
                new LabelEfficiency(bank, test, List.of(), 5, 1, 1));
        RunReport first = new RunReport();
        baselines.rawPixels(first);
        Evaluation.Result expected = eval.rawPixels();
        assertEquals(expected.knnTop1(), first.rawPixelKnnTop1);
        assertEquals(expected.knnTop1Standardised(), first.rawPixelKnnTop1Standardised);
        assertEquals(expected.linearTop1(), first.rawPixelLinearTop1);
        Path file;
        try (Stream<Path> files = Files.list(dir)) {
            file = files.filter(p -> p.getFileName().toString().startsWith("pixels-")).findFirst().orElseThrow();
        }
        // mark the cached file: a second report must show the mark (read, not recomputed)
        Files.writeString(file, Files.readString(file).replaceFirst("\"knnTop1\" : [0-9.E-]+", "\"knnTop1\" : 0.123"));
        RunReport second = new RunReport();
        baselines.rawPixels(second);
        assertEquals(0.123, second.rawPixelKnnTop1);
        // other data (or sizes): another key, computed afresh
        RunReport other = new RunReport();
        new Baselines(new Evaluation(bank, test.subset(29), 2, 5), BaselineCache.at(dir.toString()),
                new LabelEfficiency(bank, test, List.of(), 5, 1, 1)).rawPixels(other);
        assertEquals(new Evaluation(bank, test.subset(29), 2, 5).rawPixels().knnTop1(), other.rawPixelKnnTop1);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(2, files.count());
        }
    }

    /**
     * The random weights' results come from the cache when the same initial weights are evaluated again (a marked cache
     * file shows through), and are computed afresh for other weights; the label-efficiency probe of the random
     * weights likewise.
     */
    @Test
    void randomWeightBaselinesAreCachedUnderTheWeightsThemselves(@TempDir Path dir) throws Exception {
        LabelledImages bank = LabelEfficiencyTest.rows(60, 1);
        LabelledImages test = LabelEfficiencyTest.rows(30, 2);
        SmallCnn cnn = new SmallCnn(8, 8, 1);
        Evaluation eval = new Evaluation(bank, test, 2, 5);
        Baselines baselines = new Baselines(eval, BaselineCache.at(dir.toString()),
                new LabelEfficiency(bank, test, List.of(2), 5, 30, 10));
        ComputationGraph seven = backbone(cnn, 7);
        RunReport first = new RunReport();
        baselines.randomWeights(seven, cnn, first);
        Evaluation.Result expected = eval.evaluate(seven);
        assertEquals(expected.knnTop1(), first.randomKnnTop1);
        assertEquals(expected.linearTop1(), first.randomLinearTop1);
        assertEquals(new LabelEfficiency(bank, test, List.of(2), 5, 30, 10).linearTop1(seven).get(0),
                first.labelEfficiency.get(0).randomLinearTop1);

        Path random = only(dir, "random-");
        Path randomLabels = only(dir, "random-labels-");
        Files.writeString(random, Files.readString(random).replaceFirst("\"knnTop1\" : [0-9.E-]+", "\"knnTop1\" : 0.123"));
        Files.writeString(randomLabels, "[ 0.456 ]");
        RunReport again = new RunReport();
        baselines.randomWeights(backbone(cnn, 7), cnn, again);
        assertEquals(0.123, again.randomKnnTop1, "the same initial weights: read from the cache");
        assertEquals(0.456, again.labelEfficiency.get(0).randomLinearTop1);

        ComputationGraph eight = backbone(cnn, 8);
        assertNotEquals(Baselines.weightsKey(seven, cnn), Baselines.weightsKey(eight, cnn));
        assertNotEquals(Baselines.weightsKey(seven, cnn), Baselines.weightsKey(backbone(new SmallCnn(8, 8, 1, 0.5), 7),
                new SmallCnn(8, 8, 1, 0.5)), "another architecture");
        RunReport other = new RunReport();
        baselines.randomWeights(eight, cnn, other);
        assertEquals(eval.evaluate(eight).knnTop1(), other.randomKnnTop1, "other weights: computed afresh");
    }

    private static ComputationGraph backbone(SmallCnn cnn, long seed) {
        ComputationGraph g = new ComputationGraph(BackboneGraph.standalone(cnn, SslMethod.BACKBONE_PREFIX, seed));
        g.init();
        return g;
    }

    /** The one cache file whose name starts with {@code prefix} and has no further dash-separated kind. */
    private static Path only(Path dir, String prefix) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().substring(prefix.length()).matches("[0-9a-f]{64}\\.json")).toList();
            assertEquals(1, found.size(), prefix + ": " + found);
            return found.get(0);
        }
    }
}
