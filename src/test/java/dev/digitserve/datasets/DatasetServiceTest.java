package dev.digitserve.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.util.unit.DataSize;

import dev.digitserve.image.DigitImageReader;
import dev.digitserve.request.ConflictException;
import dev.digitserve.request.InvalidRequestException;
import tools.jackson.databind.json.JsonMapper;

/** Storage across restarts, leftovers of a crash, damage detection and the in-use check, without HTTP. */
class DatasetServiceTest {
    @TempDir
    Path dir;

    private DatasetService service(DatasetUsers users) {
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        if (users != null) {
            beans.registerSingleton("users", users);
        }
        DatasetsProperties properties = new DatasetsProperties(dir, DataSize.ofMegabytes(1), DataSize.ofMegabytes(4),
                100, 100, DataSize.ofMegabytes(1));
        return new DatasetService(new DatasetStore(dir, JsonMapper.builder().build()), properties, new DigitImageReader(),
                beans.getBeanProvider(DatasetUsers.class));
    }

    private static DatasetService.Part bytes(byte[] content) {
        return target -> Files.write(target, content);
    }

    private DatasetManifest upload(DatasetService service) throws IOException {
        Random random = new Random(3);
        byte[] archive = DatasetUploads.zip(z -> {
            for (int i = 0; i < 3; i++) {
                DatasetUploads.entry(z, "x/" + i + ".png", DatasetUploads.symbol(true, random));
                DatasetUploads.entry(z, "7/" + i + ".png", DatasetUploads.symbol(false, random));
            }
        });
        return service.createFromArchive("symbols", archive.length, bytes(archive));
    }

    @Test
    void datasetsSurviveARestartAndCrashLeftoversAreRemoved() throws IOException {
        DatasetManifest manifest = upload(service(null));
        Files.createDirectories(dir.resolve(".upload-crashed"));
        Files.writeString(dir.resolve(".upload-crashed/archive.zip"), "half");

        DatasetService restarted = service(null);

        assertThat(restarted.list()).extracting(DatasetManifest::id).containsExactly(manifest.id());
        assertThat(restarted.get(manifest.id()).orElseThrow().labelNames()).as("digits first").containsExactly("7", "x");
        LabelledImages images = restarted.load(manifest.id());
        assertThat(images.count()).isEqualTo(6);
        assertThat(images.labels()).containsExactly("7", "x");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly(manifest.id());
        }
    }

    @Test
    void aDamagedDatasetIsNotTrainedOn() throws IOException {
        DatasetService service = service(null);
        DatasetManifest manifest = upload(service);
        Path images = dir.resolve(manifest.id()).resolve(DatasetStore.IMAGES);
        byte[] content = Files.readAllBytes(images);
        content[content.length - 1] ^= 0x7f;
        Files.write(images, content);

        assertThatThrownBy(() -> service.load(manifest.id())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SHA-256");
    }

    @Test
    void aDatasetInUseCannotBeDeleted() throws IOException {
        String[] user = {null};
        DatasetService service = service(id -> user[0]);
        DatasetManifest manifest = upload(service);
        user[0] = "training job 1 (running)";

        assertThatThrownBy(() -> service.delete(manifest.id())).isInstanceOf(ConflictException.class)
                .hasMessageContaining("training job 1");
        user[0] = null;
        service.delete(manifest.id());
        assertThat(service.list()).isEmpty();
    }

    @Test
    void labelsAreValidatedAndLimited() {
        DatasetService service = service(null);
        byte[] png = DatasetUploads.symbol(false, new Random(1));
        byte[] tooLong = DatasetUploads.zip(z -> DatasetUploads.entry(z, "a".repeat(33) + "/a.png", png));
        byte[] tooMany = DatasetUploads.zip(z -> {
            for (int i = 0; i < 101; i++) {
                DatasetUploads.entry(z, "l" + i + "/a.png", png);
            }
        });
        for (byte[] archive : List.of(tooLong, tooMany)) {
            assertThatThrownBy(() -> service.createFromArchive("bad", archive.length, bytes(archive)))
                    .isInstanceOf(InvalidRequestException.class);
        }
        assertThat(service.list()).isEmpty();
    }
}
