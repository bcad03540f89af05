package dev.digitserve.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** External commands the tests use when the machine has them (kubectl to render the manifests). */
public final class Commands {
    private Commands() {
    }

    /** True when {@code kubectl version --client} runs. */
    public static boolean kubectlAvailable() {
        try {
            run("kubectl", "version", "--client");
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** Runs a command and returns its output (stdout and stderr); fails if it exits non-zero or runs over 60 s. */
    public static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + new String(output, StandardCharsets.UTF_8));
        }
        return new String(output, StandardCharsets.UTF_8);
    }
}
