package io.github.dl4jssl.spark;

import io.github.dl4jssl.layers.MlpHead;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.method.Byol;
import io.github.dl4jssl.zoo.method.MocoV2;
import io.github.dl4jssl.zoo.method.SimClr;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * DL4J on Spark (dl4j-spark_2.12 1.0.0-M2, ParameterAveragingTrainingMaster) in local[2] mode: SimCLR trains, and
 * for BYOL (a momentum method) the target after an averaging round is the EMA of the averaged online weights.
 */
class SparkLocalTrainingTest {

    private static final int PAIRS = 4;
    private static JavaSparkContext sc;

    @BeforeAll
    static void spark() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("dl4j-ssl-test")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    /** Batches of PAIRS pairs: rows i and i + PAIRS are two noisy views of one random 12x12 image. */
    static List<DataSet> twoViewBatches(int count) {
        Nd4j.getRandom().setSeed(3);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            INDArray images = Nd4j.rand(DataType.FLOAT, PAIRS, 1, 12, 12);
            INDArray views = Nd4j.concat(0, images.add(Nd4j.randn(DataType.FLOAT, PAIRS, 1, 12, 12).mul(0.05)),
                    images.add(Nd4j.randn(DataType.FLOAT, PAIRS, 1, 12, 12).mul(0.05)));
            out.add(new DataSet(views, Nd4j.zeros(DataType.FLOAT, 2 * PAIRS, 1)));
        }
        return out;
    }

    /** One minibatch (2 PAIRS rows, as given) per worker between averagings; the DataSets are not re-batched. */
    static ParameterAveragingTrainingMaster averagingEveryBatch() {
        return new ParameterAveragingTrainingMaster.Builder(2 * PAIRS).batchSizePerWorker(2 * PAIRS)
                .averagingFrequency(1).workerPrefetchNumBatches(0).rddTrainingApproach(RDDTrainingApproach.Direct)
                .build();
    }

    static double meanScore(ComputationGraph g, List<DataSet> batches) {
        double s = 0;
        for (DataSet d : batches) {
            s += g.score(d, false);
        }
        return s / batches.size();
    }

    @Test
    void simclrTrainsWithParameterAveraging() {
        SimClr simclr = new SimClr.Builder().backbone(new SmallCnn(12, 12, 1))
                .projector(MlpHead.projection(32, 16))
                .updater(new Adam(3e-3)).seed(1).build();
        ComputationGraph graph = simclr.init();
        List<DataSet> batches = twoViewBatches(8);
        double before = meanScore(graph, batches);
        SparkComputationGraph spark = new SparkComputationGraph(sc, graph, averagingEveryBatch());
        JavaRDD<DataSet> rdd = sc.parallelize(batches, 2);
        for (int epoch = 0; epoch < 3; epoch++) {
            spark.fit(rdd);
        }
        double after = meanScore(spark.getNetwork(), batches);
        assertTrue(after < before, "NT-Xent on the training batches: " + before + " -> " + after);
    }

    @Test
    void byolTargetIsTheEmaOfTheAveragedOnlineWeightsAfterEachAveraging() {
        double m = 0.9;
        Byol byol = new Byol.Builder().backbone(new SmallCnn(12, 12, 1))
                .projector(MlpHead.projection(32, 16))
                .predictor(MlpHead.predictor(32, 16))
                .momentum(m).cosineMomentum(false).updater(new Adam(3e-3)).seed(1).build();
        ComputationGraph graph = byol.init();
        SparkComputationGraph spark = new SparkComputationGraph(sc, graph, averagingEveryBatch());
        spark.setListeners(byol.trainingListeners(100));
        List<DataSet> batches = twoViewBatches(2);
        for (int round = 0; round < 2; round++) {
            ComputationGraph current = spark.getNetwork();
            Map<String, INDArray> targetBefore = targetParams(current);
            INDArray onlineBefore = current.getLayer(SslMethod.BACKBONE_PREFIX + "conv1").getParam("W").dup();
            // 2 batches on 2 workers, averaging after each worker's one batch: one averaging round
            spark.fit(sc.parallelize(batches, 2));
            ComputationGraph averaged = spark.getNetwork();
            assertNotEquals(onlineBefore, averaged.getLayer(SslMethod.BACKBONE_PREFIX + "conv1").getParam("W"),
                    "the online weights were trained");
            Map<String, INDArray> table = averaged.paramTable();
            int checked = 0;
            for (Map.Entry<String, INDArray> e : targetBefore.entrySet()) {
                INDArray online = table.get(e.getKey().substring(SslMethod.TARGET_PREFIX.length()));
                INDArray expected = e.getValue().mul(m).addi(online.mul(1 - m));
                double tol = e.getKey().endsWith("_" + BatchNormalizationParamInitializer.GLOBAL_LOG_STD) ? 1e-2 : 1e-5;
                assertTrue(expected.equalsWithEps(table.get(e.getKey()), tol), "round " + round + ": " + e.getKey()
                        + " is not m * target + (1 - m) * averaged online");
                checked++;
            }
            assertTrue(checked > 10, "target params compared: " + checked);
        }
    }

    @Test
    void mocoQueueUnderSparkAveragingIsDetected() {
        MocoV2 moco = new MocoV2.Builder().backbone(new SmallCnn(12, 12, 1)).queueSize(32).hiddenSize(32).outputSize(16)
                .updater(new Adam(3e-3)).momentum(0.9).seed(1).build();
        SparkComputationGraph spark = new SparkComputationGraph(sc, moco.init(), averagingEveryBatch());
        spark.setListeners(moco.trainingListeners(100));
        JavaRDD<DataSet> rdd = sc.parallelize(twoViewBatches(2), 2);
        // round 1: each executor enqueues its own keys into the same queue slots; the driver averages the queues
        spark.fit(rdd);
        // round 2: the executors' KeyQueueListener copies find queue rows that are no unit keys
        Exception e = assertThrows(Exception.class, () -> spark.fit(rdd));
        String message = String.valueOf(e.getMessage());
        assertTrue(message.contains("KeyQueueListener") && message.contains("on Spark a queue cannot be kept correct"), message);
    }

    /** Copies of the target parameters, keyed as in {@code ComputationGraph.paramTable()} ("layer_param"). */
    static Map<String, INDArray> targetParams(ComputationGraph g) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        g.paramTable().forEach((key, value) -> {
            if (key.startsWith(SslMethod.TARGET_PREFIX)) {
                out.put(key, value.dup());
            }
        });
        return out;
    }
}
