package io.github.dl4jssl.samples;

import io.github.dl4jssl.samples.experiment.Budget;
import io.github.dl4jssl.samples.experiment.Experiment;
import io.github.dl4jssl.samples.experiment.ExperimentRunner;
import io.github.dl4jssl.samples.experiment.Experiments;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.Callable;

/**
 * {@code dl4j-ssl experiment NAME}: reruns one of the seed papers' findings at small scale (a set of
 * {@code train} runs with fixed seeds) and writes {@code results.md}, CSV files and PNG plots.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Reproduce a finding of the seed papers at small scale (the experiments: experiment --help).")
public final class ExperimentCommand implements Callable<Integer> {

    @Parameters(index = "0", completionCandidates = Names.class, description = "Experiment: ${COMPLETION-CANDIDATES}.")
    String name;

    @Option(names = "--scale", defaultValue = "1",
            description = "Factor on the training and evaluation images of every run (1 = about an hour on 2 cores). Default: ${DEFAULT-VALUE}.")
    double scale;

    @Option(names = "--seeds", description = "Seeds per variant (default: the experiment's, e.g. 3 for momentum-plugin).")
    Integer seeds;

    @Option(names = "--data", description = "Directory of the Fashion-MNIST files (default: the Debian package's directory).")
    Path data;

    @Option(names = "--out", description = "Output directory (default: experiments/NAME). Finished runs found there are reused.")
    Path out;

    static final class Names extends ArrayList<String> {
        Names() {
            super(Experiments.names());
        }
    }

    @Override
    public Integer call() throws Exception {
        Experiment experiment = Experiments.byName(name);
        Budget budget = new Budget(scale, seeds != null ? seeds : experiment.defaultSeeds(), data);
        Path dir = out != null ? out : Path.of("experiments", experiment.name());
        java.nio.file.Files.createDirectories(dir);
        String command = "./dl4j-ssl experiment " + name + (scale != 1 ? " --scale " + scale : "")
                + (seeds != null ? " --seeds " + seeds : "");
        Path results = new ExperimentRunner(experiment, budget, dir, new PrintWriter(System.err, true)).run(command);
        System.out.println("experiment " + name + ": results in " + results);
        return 0;
    }
}
