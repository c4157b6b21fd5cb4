package io.github.dl4jssl.train;

import io.github.dl4jssl.train.DatasetSetup.Action;
import io.github.dl4jssl.train.DatasetSetup.Probes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The first command sets itself up (issue #19): the decision for every machine, and no run directory left by a failed start. */
class DatasetSetupTest {
    private static final Path DIR = Path.of("/nonexistent/fashion-mnist");

    private static Probes probes(boolean root, boolean apt, boolean data) {
        return new Probes(() -> root, () -> apt, dir -> data);
    }

    private static DatasetSetup setup(Probes probes) {
        return new DatasetSetup(probes, command -> fail("nothing may run: " + command), DIR);
    }

    @Test
    void decisionForEveryMachine() {
        for (boolean root : new boolean[]{false, true}) {
            for (boolean apt : new boolean[]{false, true}) {
                assertEquals(Action.NOTHING, setup(probes(root, apt, true)).decide(), "data present: root " + root + ", apt " + apt);
                assertEquals(root && apt ? Action.INSTALL : Action.TELL, setup(probes(root, apt, false)).decide(),
                        "data missing: root " + root + ", apt " + apt);
            }
        }
    }

    @Test
    void withoutRootItNamesTheOneCommand() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> setup(probes(false, true, false)).ensure(new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("sudo apt-get install dataset-fashion-mnist") && e.getMessage().contains(DIR.toString()),
                e.getMessage());
        e = assertThrows(IllegalStateException.class,
                () -> setup(probes(true, false, false)).ensure(new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("no apt-get") && e.getMessage().contains("--data DIR"), e.getMessage());
    }

    @Test
    void asRootWithAptItInstallsSayingSo() throws Exception {
        List<List<String>> ran = new ArrayList<>();
        boolean[] installed = {false};
        Probes machine = new Probes(() -> true, () -> true, dir -> installed[0]);
        StringWriter out = new StringWriter();
        new DatasetSetup(machine, command -> {
            ran.add(command);
            installed[0] = true;
            return 0;
        }, DIR).ensure(new PrintWriter(out, true));
        assertEquals(List.of(DatasetSetup.INSTALL), ran);
        assertTrue(out.toString().contains("installing the Debian package dataset-fashion-mnist"), out.toString());
        assertTrue(out.toString().contains("installed dataset-fashion-mnist"), out.toString());
    }

    /** A fresh machine without package lists: the first install fails, apt-get update, then it succeeds. */
    @Test
    void aFailedInstallUpdatesThePackageListsOnce() throws Exception {
        List<List<String>> ran = new ArrayList<>();
        boolean[] installed = {false};
        Probes machine = new Probes(() -> true, () -> true, dir -> installed[0]);
        new DatasetSetup(machine, command -> {
            ran.add(command);
            installed[0] = ran.size() == 3;
            return ran.size() == 1 ? 100 : 0;
        }, DIR).ensure(new PrintWriter(new StringWriter()));
        assertEquals(List.of(DatasetSetup.INSTALL, DatasetSetup.UPDATE, DatasetSetup.INSTALL), ran);

        ran.clear();
        installed[0] = false;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new DatasetSetup(machine, command -> {
            ran.add(command);
            return 100;
        }, DIR).ensure(new PrintWriter(new StringWriter())));
        assertEquals(2, ran.size(), "install, then update failed: no second install");
        assertTrue(e.getMessage().contains("apt-get install -y -q dataset-fashion-mnist"), e.getMessage());
    }

    /** Missing default data on a machine where it cannot be installed: stops before making the run directory. */
    @Test
    void aStartWithoutDataLeavesNoRunDirectory(@TempDir Path tmp) {
        Path run = tmp.resolve("run");
        TrainingRun train = TrainingRun.of(RunSpec.builder().out(run).build()).datasetSetup(setup(probes(false, true, false)));
        IllegalStateException e = assertThrows(IllegalStateException.class, train::run);
        assertTrue(e.getMessage().contains("sudo apt-get install dataset-fashion-mnist"), e.getMessage());
        assertFalse(Files.exists(run), "no run directory");
    }

    /** A user's --data directory is never installed into; its failure removes the run directory the start made. */
    @Test
    void aFailedLoadRemovesTheNewRunDirectory(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        Exception e = assertThrows(Exception.class, () -> TrainingRun.of(RunSpec.builder().data(tmp.resolve("nowhere"))
                .checkpointEvery(5).out(run).build()).run());
        assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
        assertFalse(Files.exists(run), "no empty run directory left behind");
        Path existing = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(existing.resolve("notes.txt"), "kept");
        assertThrows(Exception.class, () -> TrainingRun.of(RunSpec.builder().data(tmp.resolve("nowhere")).out(existing).build()).run());
        assertTrue(Files.exists(existing.resolve("notes.txt")), "a directory the user made is left alone");
    }
}
