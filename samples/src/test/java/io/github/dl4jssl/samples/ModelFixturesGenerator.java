package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.Checkpoints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes the {@link ModelFixture} files with today's code; runs only on demand, never in the normal build:
 * <pre>
 * mvn -B -pl samples -am test -Dtest=ModelFixturesGenerator -Dfixtures.generate=true -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * ({@code -Dfixtures.only=simclr,byol} makes only those and keeps the other entries of {@code manifest.json}).
 * For each fixture it trains the tiny run with the command line (Fashion-MNIST needed), keeps its
 * {@code model.zip}, {@code command.json} (without {@code --out}) and the checkpoint after iteration 2, stores the
 * output of the saved graph on {@link ModelFixture#fixedInput()}, and writes {@code manifest.json}: the commit
 * the files were made with, the date, and each fixture's command line and project classes named in its model JSON.
 * Fixtures of a released version are never regenerated: a new version gets a new folder.
 */
@EnabledIfSystemProperty(named = "fixtures.generate", matches = "true")
class ModelFixturesGenerator {

    @Test
    void generate(@TempDir Path tmp) throws Exception {
        Path manifestFile = ModelFixture.ROOT.resolve("manifest.json");
        Map<String, Object> manifest = Files.exists(manifestFile)
                ? new ObjectMapper().readValue(manifestFile.toFile(), LinkedHashMap.class) : new LinkedHashMap<>();
        @SuppressWarnings("unchecked")
        Map<String, Object> fixtures = (Map<String, Object>) manifest.computeIfAbsent("fixtures", k -> new LinkedHashMap<>());
        List<String> only = List.of(System.getProperty("fixtures.only", "").split(","));
        for (ModelFixture f : ModelFixture.values()) {
            if (!only.equals(List.of("")) && !only.contains(f.id)) {
                continue;
            }
            Path run = tmp.resolve(f.id);
            List<String> args = new ArrayList<>(f.trainArguments());
            args.addAll(List.of("--out", run.toString()));
            Cli.run(0, args.toArray(String[]::new));
            Path dir = Files.createDirectories(f.dir());
            Files.copy(run.resolve(Checkpoints.MODEL), dir.resolve(Checkpoints.MODEL), StandardCopyOption.REPLACE_EXISTING);
            new ObjectMapper().writeValue(dir.resolve(ModelFixture.COMMAND).toFile(), f.trainArguments().subList(1, f.trainArguments().size()));
            Path checkpoint = Files.createDirectories(f.checkpoint());
            for (String file : List.of(Checkpoints.MODEL, Checkpoints.STATE)) {
                Files.copy(run.resolve(Checkpoints.DIR).resolve(ModelFixture.CHECKPOINT).resolve(file), checkpoint.resolve(file),
                        StandardCopyOption.REPLACE_EXISTING);
            }
            ComputationGraph graph = ModelSerializer.restoreComputationGraph(dir.resolve(Checkpoints.MODEL).toFile(), true);
            Nd4j.writeAsNumpy(ModelFixture.output(graph), dir.resolve(ModelFixture.EXPECTED_OUTPUT).toFile());
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("command", "./dl4j-ssl " + String.join(" ", f.trainArguments()));
            entry.put("projectClasses", ModelJson.projectClasses(ModelJson.configuration(dir.resolve(Checkpoints.MODEL))));
            entry.put("restoredClasses", ModelJson.classesOf(graph));
            entry.put("commit", commit());
            entry.put("created", Instant.now().toString());
            fixtures.put(f.id, entry);
        }
        manifest.remove("commit");
        manifest.remove("created");
        manifest.put("dl4j", "1.0.0-M2.1");
        manifest.put("generator", "mvn -B -pl samples -am test -Dtest=ModelFixturesGenerator -Dfixtures.generate=true -Dsurefire.failIfNoSpecifiedTests=false");
        manifest.put("fixtures", fixtures);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(ModelFixture.ROOT.resolve("manifest.json").toFile(), manifest);
    }

    /** The commit the files are made with, and whether tracked files differ from it. */
    private static String commit() throws IOException, InterruptedException {
        return git("rev-parse", "HEAD") + (git("status", "--porcelain", "--untracked-files=no").isEmpty() ? "" : " (with uncommitted changes)");
    }

    private static String git(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return out;
    }
}
