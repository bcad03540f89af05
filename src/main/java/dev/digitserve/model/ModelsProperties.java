package dev.digitserve.model;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import dev.digitserve.batching.BatchingProperties;

/**
 * {@code digitserve.models.*}: where the model repository lives, how often it is rescanned, and
 * per-model overrides ({@code overrides.<name>.version} pins the served version,
 * {@code overrides.<name>.batching.*} replaces the global batching settings for that model), and how many
 * versions are kept ({@code retention.keep-last}).
 *
 * <p>Many models: {@code loading} is {@code eager} (every version loaded at start, as before) or {@code lazy} (cards
 * read at start, a version loaded on its first request); {@code memory-budget} (lazy only; unset = unbounded) caps
 * the estimated memory of the loaded versions, the least recently used idle ones being unloaded to make room;
 * {@code always-loaded} models are loaded at start in lazy mode and never evicted.
 */
@ConfigurationProperties("digitserve.models")
public record ModelsProperties(
        @DefaultValue("models") Path dir,
        @DefaultValue("10s") Duration pollInterval,
        Map<String, ModelOverride> overrides,
        @DefaultValue Retention retention,
        @DefaultValue("eager") Loading loading,
        DataSize memoryBudget,
        List<String> alwaysLoaded) {

    public ModelsProperties {
        overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
        retention = retention == null ? new Retention(null) : retention;
        loading = loading == null ? Loading.EAGER : loading;
        alwaysLoaded = alwaysLoaded == null ? List.of() : List.copyOf(alwaysLoaded);
        if (memoryBudget != null && memoryBudget.toBytes() < 1) {
            throw new IllegalArgumentException("digitserve.models.memory-budget must be positive, was " + memoryBudget);
        }
    }

    /** When versions are loaded. */
    public enum Loading {
        /** Every version at start and every new version when it appears. */
        EAGER,
        /** A version on its first request (always-loaded models at start). */
        LAZY
    }

    public boolean lazy() {
        return loading == Loading.LAZY;
    }

    /** The memory budget in bytes; {@link Long#MAX_VALUE} when unbounded. */
    public long memoryBudgetBytes() {
        return memoryBudget == null ? Long.MAX_VALUE : memoryBudget.toBytes();
    }

    /**
     * How many versions of each model the repository keeps.
     *
     * @param keepLast the newest N versions of each model are kept, plus the served and the pinned one; older
     *                 ones are deleted after each scan (so after each publish, and at start). Null: keep all.
     */
    public record Retention(Integer keepLast) {
        public Retention {
            if (keepLast != null && keepLast < 1) {
                throw new IllegalArgumentException("digitserve.models.retention.keep-last must be at least 1, was "
                        + keepLast);
            }
        }
    }

    /** A model's pinned version, if any. */
    public Integer pinnedVersion(String name) {
        ModelOverride override = overrides.get(name);
        return override == null ? null : override.version();
    }

    /** A model's batching settings that differ from {@code digitserve.batching.*}, if any. */
    public BatchingProperties.Override batchingOverride(String name) {
        ModelOverride override = overrides.get(name);
        return override == null ? null : override.batching();
    }

    /** Settings for one model that differ from the global ones. */
    public record ModelOverride(Integer version, BatchingProperties.Override batching) {
    }
}
