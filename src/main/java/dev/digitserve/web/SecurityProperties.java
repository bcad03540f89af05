package dev.digitserve.web;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitserve.security.*}.
 *
 * @param apiKeys               values accepted in the {@code X-API-Key} header on write endpoints (training jobs,
 *                              model management). Set them with {@code DIGITSERVE_SECURITY_API_KEYS=k1,k2} or a
 *                              Kubernetes Secret mapped to that variable
 * @param allowAnonymousWrites  with no keys configured, write endpoints refuse unless this is true (local development)
 * @param requireKeyForPrediction also require a key on prediction and V2 inference endpoints
 */
@ConfigurationProperties("digitserve.security")
public record SecurityProperties(
        List<String> apiKeys,
        @DefaultValue("false") boolean allowAnonymousWrites,
        @DefaultValue("false") boolean requireKeyForPrediction) {

    public SecurityProperties {
        apiKeys = apiKeys == null ? List.of() : apiKeys.stream().filter(k -> k != null && !k.isBlank()).toList();
    }
}
