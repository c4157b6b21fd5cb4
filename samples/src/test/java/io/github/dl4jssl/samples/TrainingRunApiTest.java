package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.RunReport;
import io.github.dl4jssl.train.RunSpec;
import io.github.dl4jssl.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train} is a thin layer over the run API: the same options give the same run, number for number. */
class TrainingRunApiTest {

    @Test
    void theApiAndTheCommandLineTrainTheSameRun(@TempDir Path tmp) throws Exception {
        TestData.requireFashionMnist();
        Path cli = tmp.resolve("cli");
        Cli.run(0, "train", "--method", "simsiam", "--epochs", "1", "--train-subset", "48", "--batch-size", "16",
                "--width-multiplier", "0.25", "--eval-train-subset", "100", "--eval-test-subset", "50", "--linear-epochs", "1",
                "--seed", "3", "--workers", "0", "--baseline-cache", "none", "--out", cli.toString());
        RunReport api = TrainingRun.of(RunSpec.builder().method("simsiam").epochs(1).trainSubset(48).batchSize(16)
                .widthMultiplier(0.25).evalTrainSubset(100).evalTestSubset(50).linearEpochs(1).seed(3).workers(0)
                .baselineCache("none").out(tmp.resolve("api")).build()).run();
        RunReport fromCli = RunReport.read(cli.resolve("report.json"));
        assertEquals(fromCli.lossPerEpoch, api.lossPerEpoch);
        assertEquals(fromCli.knnMonitorPerEpoch, api.knnMonitorPerEpoch);
        SameEvaluation.assertSameEvaluation(fromCli, api);
        assertEquals(fromCli.optimizer, api.optimizer);
        assertEquals(48, api.trainImages);
        assertTrue(Double.isFinite(api.lossPerEpoch.get(0)) && api.knnTop1 > 0, api.lossPerEpoch + ", " + api.knnTop1);
    }
}
