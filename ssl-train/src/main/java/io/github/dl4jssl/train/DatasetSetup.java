package io.github.dl4jssl.train;

import io.github.dl4jssl.zoo.data.FashionMnist;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A first command that sets itself up (issue #19): when Fashion-MNIST is missing from its default directory,
 * {@code train} installs the Debian package {@value #PACKAGE} if it runs as root with apt-get available (and
 * says so), and otherwise stops, before any run directory is made, naming the one command to run. Only the
 * default directory is set up this way: a directory given with {@code --data} is the user's, and a missing one
 * is an error. The decision reads the machine through {@link Probes}, so that tests can try every case
 * without installing anything.
 */
public final class DatasetSetup {
    /** The Debian package that installs Fashion-MNIST into {@link FashionMnist#DEFAULT_DIR}. */
    static final String PACKAGE = "dataset-fashion-mnist";
    static final List<String> INSTALL = List.of("apt-get", "install", "-y", "-q", PACKAGE);
    static final List<String> UPDATE = List.of("apt-get", "update", "-q");

    /** What to do about the default Fashion-MNIST directory. */
    enum Action {
        /** The files are there. */
        NOTHING,
        /** Root with apt-get: install the package. */
        INSTALL,
        /** Anything else: stop and name the command to run. */
        TELL
    }

    /** What the decision needs to know about the machine. */
    record Probes(BooleanSupplier isRoot, BooleanSupplier hasAptGet, Predicate<Path> hasData) {
        /** This machine: uid 0, apt-get on the PATH, the training images file in the directory. */
        static Probes system() {
            return new Probes(DatasetSetup::runsAsRoot, () -> onPath("apt-get"),
                    dir -> Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"))
                            || Files.isRegularFile(dir.resolve("train-images-idx3-ubyte")));
        }
    }

    /** Runs a command (apt-get) with the console; returns its exit code. */
    interface Runner {
        int run(List<String> command) throws IOException, InterruptedException;
    }

    private final Probes probes;
    private final Runner runner;
    private final Path dir;

    DatasetSetup(Probes probes, Runner runner, Path dir) {
        this.probes = probes;
        this.runner = runner;
        this.dir = dir;
    }

    /** The setup of {@link FashionMnist#DEFAULT_DIR} on this machine, with apt-get's output on the console. */
    public static DatasetSetup system() {
        return new DatasetSetup(Probes.system(), command -> new ProcessBuilder(command).inheritIO().start().waitFor(),
                FashionMnist.DEFAULT_DIR);
    }

    /** The decision, from the probes alone. */
    Action decide() {
        if (probes.hasData().test(dir)) {
            return Action.NOTHING;
        }
        return probes.isRoot().getAsBoolean() && probes.hasAptGet().getAsBoolean() ? Action.INSTALL : Action.TELL;
    }

    /** The one command that installs the data, for the message of {@link Action#TELL}. */
    String fix() {
        if (probes.hasAptGet().getAsBoolean()) {
            return "sudo apt-get install " + PACKAGE;
        }
        return "apt-get install " + PACKAGE + " on a Debian or Ubuntu machine (this one has no apt-get), or put the four"
                + " IDX files of Fashion-MNIST (https://github.com/zalandoresearch/fashion-mnist) into a directory DIR";
    }

    /**
     * Makes sure Fashion-MNIST is in the default directory: nothing to do, or installs it (saying so on
     * {@code out}), or throws the message that names the command to run.
     *
     * @throws IllegalStateException if the data is missing and cannot be installed here, or apt-get failed
     */
    public void ensure(PrintWriter out) throws IOException, InterruptedException {
        switch (decide()) {
            case NOTHING:
                return;
            case TELL:
                throw new IllegalStateException("Fashion-MNIST is not installed in " + dir + "; install it with: " + fix()
                        + ", or pass --data DIR with the four IDX files");
            default:
                out.println("dl4j-ssl: Fashion-MNIST is not installed in " + dir + "; installing the Debian package "
                        + PACKAGE + ": " + String.join(" ", INSTALL));
                out.flush();
                // a fresh machine may have no package lists yet: update them once and try again
                if (runner.run(INSTALL) != 0 && (runner.run(UPDATE) != 0 || runner.run(INSTALL) != 0)) {
                    throw new IllegalStateException("apt-get could not install " + PACKAGE + " (see its messages above); "
                            + "install it yourself with: " + String.join(" ", INSTALL) + ", or pass --data DIR");
                }
                if (!probes.hasData().test(dir)) {
                    throw new IllegalStateException("apt-get installed " + PACKAGE + " but " + dir
                            + " holds no Fashion-MNIST files; pass --data DIR with the four IDX files");
                }
                out.println("dl4j-ssl: installed " + PACKAGE + " into " + dir);
        }
    }

    private static boolean runsAsRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Paths.get("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Paths.get(d, program))) {
                return true;
            }
        }
        return false;
    }
}
