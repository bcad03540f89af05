package dev.digitserve.model;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.digitserve.batching.BatchObserver;
import dev.digitserve.batching.BatchingProperties;
import dev.digitserve.batching.BatchingSettings;
import dev.digitserve.batching.DynamicBatcher;
import dev.digitserve.batching.TimeSource;
import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.request.ConflictException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/**
 * The loaded model versions and which version of each model is served.
 *
 * <p>{@link #scan()} reads the repository and loads and warms up every version it has not seen; a
 * version that fails is recorded with a reason (a log line and the {@code digitserve.model.load.failures}
 * counter) and never replaces a working one. The served version of a model is its pinned version
 * (configuration, or {@link #pin} at run time) or else its highest version that loads.
 *
 * <p>When the served version changes (a new version appears, or a pin changes), the new version is loaded
 * and warmed up <em>before</em> it is swapped in; the previously served version then stops accepting
 * requests, answers everything already queued on it, and is unloaded in the background. Requests that
 * name no version and race with the swap are retried on the new version by {@link ModelResolver}, so a
 * swap fails no request.
 *
 * <p>Thread-safety: lookups ({@link #served}, {@link #version}) read immutable snapshots without locking
 * and may run on any thread; changes ({@link #scan}, {@link #pin}, {@link #unpin}) are serialised.
 */
public class ModelRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    private final ModelRepository repository;
    private final ModelLoader loader;
    private final BatchingProperties batching;
    private final BatchObserver batchObserver;
    private final MeterRegistry meters;
    private final ModelsProperties properties;
    private final Counter loadFailures;
    private final MeterRegistry removals;
    private final Map<String, ModelEntry> models = new ConcurrentHashMap<>();
    private final ExecutorService drainer = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "model-drainer");
        thread.setDaemon(true);
        return thread;
    });

    public ModelRegistry(ModelRepository repository, ModelsProperties properties, BatchingProperties batching,
                         BatchObserver batchObserver, JsonMapper json, MeterRegistry meters) {
        this.repository = repository;
        this.loader = new ModelLoader(repository, json);
        this.batching = batching;
        this.batchObserver = batchObserver;
        this.meters = meters;
        this.properties = properties;
        this.loadFailures = Counter.builder("digitserve.model.load.failures")
                .description("Model versions that could not be loaded").register(meters);
        this.removals = meters;
        for (String reason : new String[] {REMOVED_BY_REQUEST, REMOVED_BY_RETENTION, REMOVED_FROM_DISK}) {
            removalCounter(reason);
        }
    }

    static final String REMOVALS = "digitserve.model.removals";
    static final String REMOVED_BY_REQUEST = "deleted";
    static final String REMOVED_BY_RETENTION = "retention";
    static final String REMOVED_FROM_DISK = "vanished";

    private Counter removalCounter(String reason) {
        return Counter.builder(REMOVALS).description("Model versions removed from the registry")
                .tag("reason", reason).register(removals);
    }

    /**
     * An immutable view of one model: loaded versions, versions that failed (with the reason), versions
     * unloaded after being superseded (with the reason), and the pin.
     */
    private record ModelEntry(String name, NavigableMap<Integer, LoadedVersion> loaded,
                              NavigableMap<Integer, String> failed, NavigableMap<Integer, String> unloaded,
                              Integer pinned) {
        static ModelEntry empty(String name, Integer pinned) {
            return new ModelEntry(name, new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), pinned);
        }

        Optional<LoadedVersion> served() {
            if (pinned != null) {
                return Optional.ofNullable(loaded.get(pinned));
            }
            return loaded.isEmpty() ? Optional.empty() : Optional.of(loaded.lastEntry().getValue());
        }

        boolean knows(int version) {
            return loaded.containsKey(version) || failed.containsKey(version) || unloaded.containsKey(version);
        }

        ModelEntry withPin(Integer pin) {
            return new ModelEntry(name, loaded, failed, unloaded, pin);
        }
    }

    /**
     * Loads every version that appeared since the last scan and swaps in a new served version; forgets (and
     * drains) versions and models whose directories are gone; then applies the retention policy.
     */
    public synchronized void scan() {
        List<String> onDiskNames = repository.modelNames();
        for (String name : List.copyOf(models.keySet())) {
            if (!onDiskNames.contains(name)) {
                forgetModel(name);
            }
        }
        for (String name : onDiskNames) {
            ModelEntry before = models.get(name);
            ModelEntry entry = before != null ? before : ModelEntry.empty(name, properties.pinnedVersion(name));
            NavigableSet<Integer> onDisk = repository.versions(name);
            for (int version : onDisk) {
                if (!entry.knows(version)) {
                    entry = load(entry, version);
                }
            }
            entry = forgetRemoved(entry, onDisk);
            commit(before, entry);
        }
        applyRetention();
    }

    /** At start-up: clears what interrupted removals left behind, then loads the repository. */
    public void start() {
        removeLeftovers();
        scan();
    }

    /** Deletes what removals interrupted by a crash left in the repository; called once, before the first scan. */
    private void removeLeftovers() {
        try {
            int removed = repository.removeLeftovers();
            if (removed > 0) {
                log.info("deleted {} directories left behind by interrupted removals", removed);
            }
        } catch (IOException e) {
            log.warn("could not delete leftovers of interrupted removals: {}", e.toString());
        }
    }

    /**
     * Deletes one version: drains it if it is loaded (like a superseded version, so requests already queued on
     * it are answered), removes its directory atomically and forgets it; the last version takes the model with
     * it.
     *
     * @throws UnknownModelException if there is no such model or version
     * @throws ConflictException     if the version is served or pinned (the message says which)
     */
    public synchronized void delete(String name, int version) {
        ModelEntry entry = requireModel(name);
        if (!repository.versions(name).contains(version) && !entry.knows(version)) {
            throw new UnknownModelException("model '" + name + "' has no version " + version);
        }
        if (entry.pinned() != null && entry.pinned() == version) {
            throw new ConflictException("version " + version + " of '" + name + "' is pinned as the served version;"
                    + " remove the pin (DELETE /api/v1/models/" + name + "/served-version) or pin another version first");
        }
        if (entry.served().map(served -> served.version() == version).orElse(false)) {
            throw new ConflictException("version " + version + " of '" + name + "' is the served version;"
                    + " publish or pin another version first");
        }
        remove(entry, version, REMOVED_BY_REQUEST);
    }

    /** Keeps the newest {@code keep-last} versions of each model, plus the served and pinned ones. */
    private void applyRetention() {
        Integer keepLast = properties.retention().keepLast();
        if (keepLast == null) {
            return;
        }
        for (String name : List.copyOf(models.keySet())) {
            ModelEntry entry = models.get(name);
            NavigableSet<Integer> onDisk = repository.versions(name);
            Set<Integer> keep = new HashSet<>(onDisk.descendingSet().stream().limit(keepLast).toList());
            entry.served().ifPresent(served -> keep.add(served.version()));
            if (entry.pinned() != null) {
                keep.add(entry.pinned());
            }
            for (int version : onDisk) {
                if (!keep.contains(version)) {
                    remove(models.get(name), version, REMOVED_BY_RETENTION);
                }
            }
        }
    }

    /** Takes a version out of the registry (draining it if loaded), then off the disk. */
    private void remove(ModelEntry entry, int version, String reason) {
        TreeMap<Integer, LoadedVersion> loaded = new TreeMap<>(entry.loaded());
        LoadedVersion removed = loaded.remove(version);
        ModelEntry without = withoutRecord(new ModelEntry(entry.name(), loaded, entry.failed(), entry.unloaded(),
                entry.pinned()), version);
        models.put(entry.name(), without);
        if (removed != null) {
            drain(removed, "removed (" + reason + ")");
        }
        try {
            repository.remove(entry.name(), version);
        } catch (IOException e) {
            // the version is out of the registry; a half-renamed directory is hidden and deleted at the next start
            log.error("could not delete the directory of {} version {}: {}", entry.name(), version, e.toString());
        }
        if (repository.versions(entry.name()).isEmpty() && without.loaded().isEmpty()) {
            models.remove(entry.name());
        }
        removalCounter(reason).increment();
        log.info("removed {} version {} ({})", entry.name(), version, reason);
    }

    /** A model whose directory is gone: drain and forget every version. */
    private void forgetModel(String name) {
        ModelEntry entry = models.remove(name);
        for (LoadedVersion version : entry.loaded().values()) {
            drain(version, "its model was deleted from the repository");
            removalCounter(REMOVED_FROM_DISK).increment();
        }
        log.info("forgot model {}: its directory is gone", name);
    }

    /**
     * Serves {@code version} until {@link #unpin}: loads it again if it had been unloaded.
     *
     * @throws UnknownModelException if the model or version does not exist or cannot be loaded
     */
    public synchronized ModelStatus pin(String name, int version) {
        ModelEntry before = requireModel(name);
        if (!repository.versions(name).contains(version)) {
            throw new UnknownModelException("model '" + name + "' has no version " + version);
        }
        ModelEntry entry = before;
        if (!entry.loaded().containsKey(version)) {
            entry = load(withoutRecord(entry, version), version);
            if (!entry.loaded().containsKey(version)) {
                commit(before, entry);
                throw new UnknownModelException("version " + version + " of '" + name + "' cannot be loaded: "
                        + entry.failed().get(version));
            }
        }
        commit(before, entry.withPin(version));
        return status(name).orElseThrow();
    }

    /** Returns to serving the highest loadable version, loading it again if it had been unloaded. */
    public synchronized ModelStatus unpin(String name) {
        ModelEntry before = requireModel(name);
        ModelEntry entry = before.withPin(null);
        for (int version : repository.versions(name).descendingSet()) {
            if (entry.loaded().containsKey(version)) {
                break;
            }
            if (entry.unloaded().containsKey(version)) {
                entry = load(withoutRecord(entry, version), version);
                if (entry.loaded().containsKey(version)) {
                    break;
                }
            }
        }
        commit(before, entry);
        return status(name).orElseThrow();
    }

    /** Pins the currently served version if nothing is pinned, so that a new version is loaded but not served. */
    public synchronized void keepServing(String name) {
        ModelEntry entry = models.get(name);
        if (entry != null && entry.pinned() == null) {
            entry.served().ifPresent(served -> models.put(name, entry.withPin(served.version())));
        }
    }

    private ModelEntry requireModel(String name) {
        ModelEntry entry = models.get(name);
        if (entry == null) {
            throw new UnknownModelException("no model named '" + name + "'");
        }
        return entry;
    }

    private ModelEntry load(ModelEntry entry, int version) {
        TreeMap<Integer, LoadedVersion> loaded = new TreeMap<>(entry.loaded());
        TreeMap<Integer, String> failed = new TreeMap<>(entry.failed());
        long started = System.nanoTime();
        try {
            ModelLoader.Loaded result = loader.load(entry.name(), version);
            loaded.put(version, new LoadedVersion(entry.name(), version, result.kind(), result.card(),
                    result.engine(), batcher(entry.name(), version, result.engine())));
            log.info("loaded {} version {} ({}) in {} ms", entry.name(), version, result.kind().id(),
                    (System.nanoTime() - started) / 1_000_000);
        } catch (ModelLoader.ModelLoadException e) {
            failed.put(version, e.getMessage());
            loadFailures.increment();
            log.error("cannot load {} version {}: {}", entry.name(), version, e.getMessage(), e.getCause());
        }
        return new ModelEntry(entry.name(), loaded, failed, entry.unloaded(), entry.pinned());
    }

    /** Every loaded version gets its own batcher, with its model's settings. */
    private DynamicBatcher batcher(String model, int version, InferenceEngine engine) {
        BatchingProperties.Override override = properties.batchingOverride(model);
        BatchingSettings settings = override == null ? batching.settings() : override.applyTo(batching.settings());
        return new DynamicBatcher(model, version, engine, settings, meters, TimeSource.system(), batchObserver);
    }

    private static ModelEntry withoutRecord(ModelEntry entry, int version) {
        TreeMap<Integer, String> failed = new TreeMap<>(entry.failed());
        TreeMap<Integer, String> unloaded = new TreeMap<>(entry.unloaded());
        failed.remove(version);
        unloaded.remove(version);
        return new ModelEntry(entry.name(), entry.loaded(), failed, unloaded, entry.pinned());
    }

    /** Versions deleted from disk: forget failures, drain and drop loaded ones. */
    private ModelEntry forgetRemoved(ModelEntry entry, NavigableSet<Integer> onDisk) {
        TreeMap<Integer, LoadedVersion> loaded = new TreeMap<>(entry.loaded());
        TreeMap<Integer, String> failed = new TreeMap<>(entry.failed());
        TreeMap<Integer, String> unloaded = new TreeMap<>(entry.unloaded());
        failed.keySet().retainAll(onDisk);
        unloaded.keySet().retainAll(onDisk);
        for (Integer version : List.copyOf(loaded.keySet())) {
            if (!onDisk.contains(version)) {
                drain(loaded.remove(version), "deleted from the repository");
                removalCounter(REMOVED_FROM_DISK).increment();
            }
        }
        return new ModelEntry(entry.name(), loaded, failed, unloaded, entry.pinned());
    }

    /**
     * Publishes the new state of a model. If the served version changed, the one served before is
     * unloaded once its queue is drained (unless it is still pinned).
     */
    private void commit(ModelEntry before, ModelEntry after) {
        Optional<LoadedVersion> previous = before == null ? Optional.empty() : before.served();
        Optional<LoadedVersion> next = after.served();
        if (previous.isPresent() && next.isPresent() && previous.get().version() != next.get().version()
                && after.loaded().get(previous.get().version()) == previous.get()) {
            LoadedVersion superseded = previous.get();
            TreeMap<Integer, LoadedVersion> loaded = new TreeMap<>(after.loaded());
            TreeMap<Integer, String> unloaded = new TreeMap<>(after.unloaded());
            loaded.remove(superseded.version());
            unloaded.put(superseded.version(), "superseded by version " + next.get().version()
                    + "; unloaded after answering its queued requests");
            after = new ModelEntry(after.name(), loaded, after.failed(), unloaded, after.pinned());
            models.put(after.name(), after);
            log.info("{} now serves version {} (was {})", after.name(), next.get().version(), superseded.version());
            drain(superseded, "superseded by version " + next.get().version());
        } else {
            models.put(after.name(), after);
        }
    }

    private void drain(LoadedVersion version, String why) {
        drainer.execute(() -> {
            version.close();
            log.info("unloaded {} version {} ({})", version.name(), version.version(), why);
        });
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

    /** Why a version is not loaded (failed, or unloaded), if it is known. */
    public Optional<String> whyNotLoaded(String name, int version) {
        ModelEntry entry = models.get(name);
        if (entry == null) {
            return Optional.empty();
        }
        if (entry.failed().containsKey(version)) {
            return Optional.of("failed to load: " + entry.failed().get(version));
        }
        return Optional.ofNullable(entry.unloaded().get(version)).map(reason -> "is not loaded: " + reason);
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
        TreeMap<Integer, ModelStatus.Version> byNumber = new TreeMap<>();
        entry.loaded().forEach((v, loaded) ->
                byNumber.put(v, new ModelStatus.Version(v, VersionState.LOADED, null, loaded.card())));
        entry.failed().forEach((v, reason) ->
                byNumber.put(v, new ModelStatus.Version(v, VersionState.FAILED, reason, null)));
        entry.unloaded().forEach((v, reason) ->
                byNumber.put(v, new ModelStatus.Version(v, VersionState.UNLOADED, reason, null)));
        Optional<LoadedVersion> served = entry.served();
        String kind = served.map(v -> v.kind().id())
                .orElse(entry.loaded().isEmpty() ? null : entry.loaded().firstEntry().getValue().kind().id());
        return Optional.of(new ModelStatus(name, kind, served.map(LoadedVersion::version).orElse(null),
                entry.pinned(), served.isPresent(), new ArrayList<>(byNumber.values())));
    }

    /** Drains and frees every loaded version. */
    @Override
    public synchronized void close() {
        for (ModelEntry entry : models.values()) {
            entry.loaded().values().forEach(LoadedVersion::close);
        }
        models.clear();
        drainer.shutdown();
        try {
            drainer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
