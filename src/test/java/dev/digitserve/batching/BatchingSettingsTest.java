package dev.digitserve.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BatchingSettingsTest {

    private static final Duration MS = Duration.ofMillis(1);
    private static final Duration S = Duration.ofSeconds(1);

    @Test
    void defaultsMatchTheDesign() {
        assertThat(BatchingSettings.defaults())
                .isEqualTo(new BatchingSettings(64, Duration.ofMillis(2), 4096, Duration.ofSeconds(5), 1));
    }

    @Test
    void zeroQueueDelayMeansNeverWaitForCompany() {
        assertThat(new BatchingSettings(8, Duration.ZERO, 10, S, 1).maxQueueDelay()).isZero();
    }

    @Test
    void rejectsNonPositiveValues() {
        assertThatThrownBy(() -> new BatchingSettings(0, MS, 10, S, 1)).hasMessageContaining("maxBatchSize");
        assertThatThrownBy(() -> new BatchingSettings(1 << 20, MS, 10, S, 1)).hasMessageContaining("maxBatchSize");
        assertThatThrownBy(() -> new BatchingSettings(8, MS.negated(), 10, S, 1)).hasMessageContaining("maxQueueDelay");
        assertThatThrownBy(() -> new BatchingSettings(8, null, 10, S, 1)).hasMessageContaining("maxQueueDelay");
        assertThatThrownBy(() -> new BatchingSettings(8, MS, 0, S, 1)).hasMessageContaining("queueCapacity");
        assertThatThrownBy(() -> new BatchingSettings(8, MS, 10, Duration.ZERO, 1))
                .hasMessageContaining("requestTimeout");
        assertThatThrownBy(() -> new BatchingSettings(8, MS, 10, null, 1)).hasMessageContaining("requestTimeout");
        assertThatThrownBy(() -> new BatchingSettings(8, MS, 10, S, 0)).hasMessageContaining("workers");
    }
}
