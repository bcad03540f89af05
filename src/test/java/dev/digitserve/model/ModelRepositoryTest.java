package dev.digitserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.json.JsonMapper;

class ModelRepositoryTest {
    @TempDir
    Path root;

    private ModelRepository repository() {
        return new ModelRepository(root, JsonMapper.builder().build());
    }

    @Test
    void publishesConsecutiveVersionsAndIgnoresHiddenAndForeignEntries() throws IOException {
        ModelRepository repository = repository();
        Files.createDirectories(root.resolve("cnn/.incoming-leftover"));
        Files.createDirectories(root.resolve("cnn/not-a-version"));
        Files.createDirectories(root.resolve(".hidden-model/1"));

        int first = repository.publish("cnn", (dir, v) -> Files.writeString(dir.resolve("model.zip"), "v" + v));
        int second = repository.publish("cnn", (dir, v) -> Files.writeString(dir.resolve("model.zip"), "v" + v));

        assertThat(first).isEqualTo(1);
        assertThat(second).isEqualTo(2);
        assertThat(repository.versions("cnn")).containsExactly(1, 2);
        assertThat(repository.modelNames()).containsExactly("cnn");
        assertThat(Files.readString(repository.versionDirectory("cnn", 2).resolve("model.zip"))).isEqualTo("v2");
    }

    @Test
    void aFailedWriteLeavesNothingBehind() throws IOException {
        ModelRepository repository = repository();

        assertThatThrownBy(() -> repository.publish("lasso", (dir, v) -> {
            Files.writeString(dir.resolve("weights.json"), "{partial");
            throw new IOException("disk full");
        })).hasMessage("disk full");

        try (var entries = Files.list(root.resolve("lasso"))) {
            assertThat(entries).isEmpty();
        }
    }

    @Test
    void invalidNamesNeverTouchTheFileSystem() {
        assertThatThrownBy(() -> repository().publish("../escape", (dir, v) -> { }))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(root.getParent().resolve("escape")).doesNotExist();
    }
}
