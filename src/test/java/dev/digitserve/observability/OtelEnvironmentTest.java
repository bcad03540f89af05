package dev.digitserve.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class OtelEnvironmentTest {

    private static Map<String, Object> map(Map<String, Object> env, String... alreadySet) {
        return OtelEnvironment.map(env, Set.of(alreadySet)::contains);
    }

    @Test
    void theSignalSpecificEndpointIsUsedAsGivenAndTheGenericOneGetsTheTracesPath() {
        assertThat(map(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/custom",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://other:4318")))
                .containsExactly(Map.entry(OtelEnvironment.ENDPOINT, "http://collector:4318/custom"));
        assertThat(map(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")))
                .containsExactly(Map.entry(OtelEnvironment.ENDPOINT, "http://collector:4318/v1/traces"));
    }

    @Test
    void nothingIsMappedWithoutVariablesOrOverASpringSetting() {
        assertThat(map(Map.of())).isEmpty();
        assertThat(map(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), OtelEnvironment.ENDPOINT))
                .isEmpty();
        assertThat(map(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", " "))).isEmpty();
    }

    @Test
    void tracesExporterNoneSwitchesExportOff() {
        assertThat(map(Map.of("OTEL_TRACES_EXPORTER", "none", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")))
                .containsEntry(OtelEnvironment.EXPORT_ENABLED, "false");
    }
}
