package dev.digitserve.model;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.stereotype.Component;

/** {@code /actuator/info} section {@code models}: the served version of each model. */
@Component
class ModelsInfoContributor implements InfoContributor {
    private final ModelRegistry registry;

    ModelsInfoContributor(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void contribute(Info.Builder builder) {
        Map<String, Object> models = new LinkedHashMap<>();
        for (ModelStatus status : registry.statuses()) {
            models.put(status.name(), Map.of("kind", String.valueOf(status.kind()),
                    "servedVersion", status.servedVersion() == null ? "none" : status.servedVersion(),
                    "versions", status.versions().stream().map(ModelStatus.Version::version).toList()));
        }
        builder.withDetail("models", models);
    }
}
