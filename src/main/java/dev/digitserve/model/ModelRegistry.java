package dev.digitserve.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The loaded model versions and which one of each model is served.
 *
 * <p>{@link #scan()} reads the repository, loads and warms up every version it has not seen, and
 * records versions that fail (with a reason, a log line and the {@code digitserve.model.load.failures}
 * counter); a failed version never replaces a working one. The served version of a model is its pinned
 * version if that one is loaded, otherwise its highest loaded version.
 *
 * <p>Thread-safety: lookups ({@link #served}, {@link #version}) are lock-free reads of immutable
 * snapshots and may run on any thread at any time; {@link #scan()} and pinning are serialised. When the
 * served version changes, requests already handed to the old version's predictor are still answered
 * by it; the old version is closed (drained) only once it is neither served nor on disk any more.
 */
public class ModelRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    private final ModelRepository repository;
    private final ModelLoader loader;
    private final PredictorFactory predictors;
    private final ModelsProperties properties;
    private final Counter loadFailures;
    private final Map<String, ModelEntry> models = new ConcurrentHashMap<>();

    public ModelRegistry(ModelRepository repository, ModelsProperties properties, PredictorFactory predictors,
                         tools.jackson.databind.json.JsonMapper json, MeterRegistry meters) {
        this.repository = repository;
        this.loader = new ModelLoader(repository, json);
        this.predictors = predictors;
        this.properties = properties;
        this.loadFailures = Counter.builder("digitserve.model.load.failures")
                .description("Model versions that could not be loaded").register(meters);
    }

    /** An immutable view of one model: its versions, failures and served version. */
    private record ModelEntry(String name, NavigableMap<Integer, LoadedVersion> loaded,
                              NavigableMap<Integer, String> failed, Integer pinned) {
        Optional<LoadedVersion> served() {
            if (pinned != null && loaded.containsKey(pinned)) {
                return Optional.of(loaded.get(pinned));
            }
            return loaded.isEmpty() ? Optional.empty() : Optional.of(loaded.lastEntry().getValue());
        }

        boolean knows(int version) {
            return loaded.containsKey(version) || failed.containsKey(version);
        }
    }

    /** Loads every version that appeared since the last scan. Safe to call repeatedly. */
    public synchronized void scan() {
        for (String name : repository.modelNames()) {
            ModelEntry entry = models.getOrDefault(name,
                    new ModelEntry(name, new TreeMap<>(), new TreeMap<>(), properties.pinnedVersion(name)));
            for (int version : repository.versions(name)) {
                if (!entry.knows(version)) {
                    entry = withVersion(entry, version);
                }
            }
            models.put(name, entry);
        }
    }

    private ModelEntry withVersion(ModelEntry entry, int version) {
        TreeMap<Integer, LoadedVersion> loaded = new TreeMap<>(entry.loaded());
        TreeMap<Integer, String> failed = new TreeMap<>(entry.failed());
        long started = System.nanoTime();
        try {
            ModelLoader.Loaded result = loader.load(entry.name(), version);
            LoadedVersion loadedVersion = new LoadedVersion(entry.name(), version, result.kind(), result.card(),
                    result.engine(), predictors.create(entry.name(), version, result.engine()));
            loaded.put(version, loadedVersion);
            log.info("loaded {} version {} ({}) in {} ms", entry.name(), version, result.kind().id(),
                    (System.nanoTime() - started) / 1_000_000);
        } catch (ModelLoader.ModelLoadException e) {
            failed.put(version, e.getMessage());
            loadFailures.increment();
            log.error("cannot load {} version {}: {}", entry.name(), version, e.getMessage(), e.getCause());
        }
        return new ModelEntry(entry.name(), loaded, failed, entry.pinned());
    }

    /** The version that answers requests that name no version. */
    public Optional<LoadedVersion> served(String name) {
        ModelEntry entry = models.get(name);
        return entry == null ? Optional.empty() : entry.served();
    }

    /** A specific loaded version. */
    public Optional<LoadedVersion> version(String name, int version) {
        ModelEntry entry = models.get(name);
        return entry == null ? Optional.empty() : Optional.ofNullable(entry.loaded().get(version));
    }

    /** Why a version is not loaded, if it failed. */
    public Optional<String> failure(String name, int version) {
        ModelEntry entry = models.get(name);
        return entry == null ? Optional.empty() : Optional.ofNullable(entry.failed().get(version));
    }

    public boolean contains(String name) {
        return models.containsKey(name);
    }

    /** True when there is at least one model and every model has a served version. */
    public boolean allReady() {
        return !models.isEmpty() && models.values().stream().allMatch(entry -> entry.served().isPresent());
    }

    public List<ModelStatus> statuses() {
        return models.keySet().stream().sorted().map(this::status).flatMap(Optional::stream).toList();
    }

    public Optional<ModelStatus> status(String name) {
        ModelEntry entry = models.get(name);
        if (entry == null) {
            return Optional.empty();
        }
        List<ModelStatus.Version> versions = new ArrayList<>();
        TreeMap<Integer, ModelStatus.Version> byNumber = new TreeMap<>();
        entry.loaded().forEach((v, loaded) ->
                byNumber.put(v, new ModelStatus.Version(v, VersionState.LOADED, null, loaded.card())));
        entry.failed().forEach((v, reason) ->
                byNumber.put(v, new ModelStatus.Version(v, VersionState.FAILED, reason, null)));
        versions.addAll(byNumber.values());
        Optional<LoadedVersion> served = entry.served();
        String kind = served.map(v -> v.kind().id())
                .orElse(entry.loaded().isEmpty() ? null : entry.loaded().firstEntry().getValue().kind().id());
        return Optional.of(new ModelStatus(name, kind, served.map(LoadedVersion::version).orElse(null),
                entry.pinned(), served.isPresent(), versions));
    }

    /** Drains and frees every loaded version. */
    @Override
    public synchronized void close() {
        for (ModelEntry entry : models.values()) {
            entry.loaded().values().forEach(LoadedVersion::close);
        }
        models.clear();
    }
}
