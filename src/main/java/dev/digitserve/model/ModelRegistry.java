package dev.digitserve.model;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.digitserve.batching.BatchObserver;
import dev.digitserve.batching.BatcherPool;
import dev.digitserve.batching.BatchingException;
import dev.digitserve.batching.BatchingProperties;
import dev.digitserve.batching.BatchingSettings;
import dev.digitserve.batching.DynamicBatcher;
import dev.digitserve.batching.TimeSource;
import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.request.ConflictException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
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
 * and warmed up (engine, then batches of several sizes through its own batcher) <em>before</em> it is
 * swapped in; the previously served version then stops accepting
 * requests, answers everything already queued on it, and is unloaded in the background. Requests that
 * name no version and race with the swap are retried on the new version by {@link ModelResolver}, so a
 * swap fails no request.
 *
 * <p>Lazy loading ({@code digitserve.models.loading: lazy}): a scan reads cards and estimates memory, loading
 * nothing but the {@code always-loaded} models; the served version is the pinned one or the highest that has not
 * failed. {@link #acquire} loads a version on its first request, on one loader thread, every concurrent request for
 * it sharing that one load. Before a load, the least recently used idle versions are evicted until the estimated
 * memory of the loaded versions fits {@code memory-budget}; a version with a request inside is never evicted (see
 * {@link Residency}), nor a pinned version or one of an always-loaded model; a load waits (up to the request
 * timeout) for busy versions to fall idle, and a version that could never fit fails with
 * {@link ModelTooLargeException}.
 *
 * <p>Every batcher borrows its threads from the shared {@link BatcherPool}.
 *
 * <p>Thread-safety: lookups ({@link #served}, {@link #version}, {@link #acquire}'s fast path) read immutable
 * snapshots without locking and may run on any thread; changes ({@link #scan}, {@link #pin}, {@link #unpin},
 * loads and evictions) are serialised on the registry.
 */
public class ModelRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
    /** Rounds of batcher warm-up for a version loaded at start or swapped in; a lazy load warms lightly, once. */
    private static final int EAGER_WARMUP_ROUNDS = BatcherWarmup.ROUNDS;
    private static final int LAZY_WARMUP_ROUNDS = 1;

    private final ModelRepository repository;
    private final ModelLoader loader;
    private final MemoryEstimator estimator = new MemoryEstimator();
    private final BatchingProperties batching;
    private final BatchObserver batchObserver;
    private final BatcherPool pool;
    private final ModelMetricsProperties metrics;
    private final MeterRegistry meters;
    private final ModelsProperties properties;
    private final Counter loadFailures;
    private final Counter evictions;
    private final Counter loadsDone;
    private final MeterRegistry removals;
    private final Map<String, ModelEntry> models = new ConcurrentHashMap<>();
    /** The model names in order, for listing pages without sorting thousands of names per request. */
    private final ConcurrentSkipListSet<String> names = new ConcurrentSkipListSet<>();
    /** Lazy loads under way, by "name/version": concurrent first requests share one. */
    private final Map<String, CompletableFuture<LoadedVersion>> loads = new ConcurrentHashMap<>();
    /** Loads waiting for a busy version to fall idle, and the signal that one did. */
    private final AtomicInteger memoryWaiters = new AtomicInteger();
    private final Object memoryFreed = new Object();
    private long idleGeneration; // guarded by memoryFreed
    private volatile boolean scanned;
    private final ExecutorService drainer = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "model-drainer");
        thread.setDaemon(true);
        return thread;
    });
    /** Lazy loads run here, one at a time: never on a request thread's or a batcher's own time. */
    private final ExecutorService lazyLoader = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "model-loader");
        thread.setDaemon(true);
        return thread;
    });

    public ModelRegistry(ModelRepository repository, ModelsProperties properties, BatchingProperties batching,
                         BatchObserver batchObserver, BatcherPool pool, ModelMetricsProperties metrics,
                         JsonMapper json, MeterRegistry meters) {
        this.repository = repository;
        this.loader = new ModelLoader(repository, json);
        this.batching = batching;
        this.batchObserver = batchObserver;
        this.pool = pool;
        this.metrics = metrics;
        this.meters = meters;
        this.properties = properties;
        this.loadFailures = Counter.builder("digitserve.model.load.failures")
                .description("Model versions that could not be loaded").register(meters);
        this.evictions = Counter.builder(EVICTIONS)
                .description("Loaded model versions unloaded to fit the memory budget").register(meters);
        this.loadsDone = Counter.builder(LOADS)
                .description("Model versions loaded (at start, on a new version, on a request or on demand)")
                .register(meters);
        Gauge.builder("digitserve.model.memory.estimated", this, ModelRegistry::loadedBytes)
                .description("Estimated memory of the loaded model versions, as the memory budget counts it")
                .baseUnit("bytes").register(meters);
        Gauge.builder("digitserve.model.versions.loaded", this, registry -> registry.residents().size())
                .description("Model versions in memory").register(meters);
        this.removals = meters;
        for (String reason : new String[] {REMOVED_BY_REQUEST, REMOVED_BY_RETENTION, REMOVED_FROM_DISK}) {
            removalCounter(reason);
        }
        if (properties.memoryBudget() != null && !properties.lazy()) {
            log.warn("digitserve.models.memory-budget applies to lazy loading only; eager loading loads every version");
        }
    }

    static final String REMOVALS = "digitserve.model.removals";
    static final String LOADS = "digitserve.model.loads";
    static final String EVICTIONS = "digitserve.model.evictions";
    static final String REMOVED_BY_REQUEST = "deleted";
    static final String REMOVED_BY_RETENTION = "retention";
    static final String REMOVED_FROM_DISK = "vanished";

    private Counter removalCounter(String reason) {
        return Counter.builder(REMOVALS).description("Model versions removed from the registry")
                .tag("reason", reason).register(removals);
    }

    /** A version known from its card (lazy loading), loadable on demand. */
    private record Scanned(ModelCard card, ModelKind kind, long estimatedBytes) {
    }

    /**
     * An immutable view of one model: loaded versions, versions that failed (with the reason), versions
     * unloaded after being superseded, evicted or unloaded on request (with the reason), the versions known from
     * their cards (lazy loading only; a loaded version stays there too) and the pin.
     */
    private record ModelEntry(String name, NavigableMap<Integer, LoadedVersion> loaded,
                              NavigableMap<Integer, String> failed, NavigableMap<Integer, String> unloaded,
                              NavigableMap<Integer, Scanned> scanned, Integer pinned) {
        static ModelEntry empty(String name, Integer pinned) {
            return new ModelEntry(name, new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), pinned);
        }

        Optional<LoadedVersion> served() {
            if (pinned != null) {
                return Optional.ofNullable(loaded.get(pinned));
            }
            return loaded.isEmpty() ? Optional.empty() : Optional.of(loaded.lastEntry().getValue());
        }

        /** Lazy loading: the pinned version, else the highest known version that has not failed. */
        Integer lazyServed() {
            if (pinned != null) {
                return pinned;
            }
            TreeMap<Integer, Boolean> candidates = new TreeMap<>();
            scanned.keySet().forEach(v -> candidates.put(v, true));
            loaded.keySet().forEach(v -> candidates.put(v, true));
            for (Integer version : candidates.descendingKeySet()) {
                if (!failed.containsKey(version)) {
                    return version;
                }
            }
            return null;
        }

        boolean knows(int version) {
            return loaded.containsKey(version) || failed.containsKey(version) || unloaded.containsKey(version)
                    || scanned.containsKey(version);
        }

        ModelEntry withPin(Integer pin) {
            return new ModelEntry(name, loaded, failed, unloaded, scanned, pin);
        }

        ModelEntry with(NavigableMap<Integer, LoadedVersion> loaded, NavigableMap<Integer, String> unloaded) {
            return new ModelEntry(name, loaded, failed, unloaded, scanned, pinned);
        }
    }

    /** The served version's number: the loaded one (eager), or the one a request would load (lazy). */
    private Integer servedNumber(ModelEntry entry) {
        return properties.lazy() ? entry.lazyServed() : entry.served().map(LoadedVersion::version).orElse(null);
    }

    /**
     * Loads every version that appeared since the last scan and swaps in a new served version (lazy loading: reads
     * their cards, and loads the always-loaded models' served versions); forgets (and drains) versions and models
     * whose directories are gone; then applies the retention policy.
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
                    entry = properties.lazy() ? readCard(entry, version) : load(entry, version, EAGER_WARMUP_ROUNDS);
                }
            }
            entry = forgetRemoved(entry, onDisk);
            commit(before, entry);
        }
        applyRetention();
        if (properties.lazy()) {
            loadAlwaysLoaded();
        }
        scanned = true;
    }

    /** At start-up: clears what interrupted removals left behind, then loads the repository. */
    public void start() {
        removeLeftovers();
        long started = System.nanoTime();
        scan();
        if (properties.lazy()) {
            for (String name : properties.alwaysLoaded()) {
                if (!models.containsKey(name)) {
                    log.warn("digitserve.models.always-loaded names '{}', which is not in the repository", name);
                }
            }
            log.info("lazy loading: {} models, {} versions scanned in {} ms; {} loaded; memory budget {}",
                    models.size(), models.values().stream().mapToInt(entry -> entry.scanned().size()).sum(),
                    (System.nanoTime() - started) / 1_000_000, residents().size(),
                    properties.memoryBudget() == null ? "unbounded" : properties.memoryBudgetBytes() + " bytes");
        }
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
        Integer served = servedNumber(entry);
        if (served != null && served == version) {
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
            Integer served = servedNumber(entry);
            if (served != null) {
                keep.add(served);
            }
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
        TreeMap<Integer, Scanned> scannedVersions = new TreeMap<>(entry.scanned());
        scannedVersions.remove(version);
        ModelEntry without = withoutRecord(new ModelEntry(entry.name(), loaded, entry.failed(), entry.unloaded(),
                scannedVersions, entry.pinned()), version);
        put(without);
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
            forget(entry.name());
        }
        removalCounter(reason).increment();
        log.info("removed {} version {} ({})", entry.name(), version, reason);
    }

    /** A model whose directory is gone: drain and forget every version. */
    private void forgetModel(String name) {
        ModelEntry entry = forget(name);
        for (LoadedVersion version : entry.loaded().values()) {
            drain(version, "its model was deleted from the repository");
            removalCounter(REMOVED_FROM_DISK).increment();
        }
        log.info("forgot model {}: its directory is gone", name);
    }

    private void put(ModelEntry entry) {
        models.put(entry.name(), entry);
        names.add(entry.name());
    }

    private ModelEntry forget(String name) {
        names.remove(name);
        return models.remove(name);
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
        if (properties.lazy()) {
            loadWithinBudget(name, version, true);
            commit(models.get(name), models.get(name).withPin(version));
            return status(name).orElseThrow();
        }
        ModelEntry entry = before;
        if (!entry.loaded().containsKey(version)) {
            entry = load(withoutRecord(entry, version), version, EAGER_WARMUP_ROUNDS);
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
        if (properties.lazy()) {
            commit(before, entry); // the highest version loads on its next request
            return status(name).orElseThrow();
        }
        for (int version : repository.versions(name).descendingSet()) {
            if (entry.loaded().containsKey(version)) {
                break;
            }
            if (entry.unloaded().containsKey(version)) {
                entry = load(withoutRecord(entry, version), version, EAGER_WARMUP_ROUNDS);
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
            Integer served = servedNumber(entry);
            if (served != null) {
                put(entry.withPin(served));
            }
        }
    }

    // ---- repository control (Triton's model repository extension; v1 model state) ---------------------

    /**
     * Loads a model's served version ({@code version} null) or the given one now, whatever the loading mode,
     * rescanning the repository first when the model is not known yet (so a model just copied in can be loaded
     * without waiting for the poller). A version that had failed is tried again.
     *
     * @throws UnknownModelException  if there is no such model or version, or it fails to load (with the reason)
     * @throws ModelTooLargeException if it can never fit the memory budget
     */
    public synchronized ModelStatus load(String name, Integer version) {
        if (!models.containsKey(name)) {
            scan();
        }
        ModelEntry before = requireModel(name);
        NavigableSet<Integer> onDisk = repository.versions(name);
        if (version != null && !onDisk.contains(version)) {
            throw new UnknownModelException("model '" + name + "' has no version " + version);
        }
        if (properties.lazy()) {
            Integer target = version;
            if (target == null) {
                target = before.lazyServed();
                if (target == null && !before.failed().isEmpty()) {
                    target = before.failed().lastKey(); // every version failed: try the highest again
                }
            }
            if (target == null) {
                throw new UnknownModelException("model '" + name + "' has no version to load");
            }
            loadWithinBudget(name, target, true);
            return status(name).orElseThrow();
        }
        ModelEntry entry = before;
        Iterable<Integer> candidates = version != null ? List.of(version) : onDisk.descendingSet();
        Integer failedVersion = null;
        for (int candidate : candidates) {
            if (entry.loaded().containsKey(candidate)) {
                failedVersion = null;
                break;
            }
            entry = load(withoutRecord(entry, candidate), candidate, EAGER_WARMUP_ROUNDS);
            if (entry.loaded().containsKey(candidate)) {
                failedVersion = null;
                break;
            }
            failedVersion = candidate;
        }
        commit(before, entry);
        if (failedVersion != null) {
            throw new UnknownModelException("version " + failedVersion + " of '" + name + "' cannot be loaded: "
                    + entry.failed().get(failedVersion));
        }
        return status(name).orElseThrow();
    }

    /**
     * Unloads every loaded version of a model ({@code version} null) or the given one: each stops accepting
     * requests, answers those already queued and is freed. With lazy loading a later request loads it again; with
     * eager loading it stays unloaded until {@link #load} or a pin.
     *
     * @throws UnknownModelException if there is no such model or version
     * @throws ConflictException     if the model is configured as always loaded
     */
    public synchronized ModelStatus unload(String name, Integer version) {
        ModelEntry entry = requireModel(name);
        if (version != null && !entry.knows(version)) {
            throw new UnknownModelException("model '" + name + "' has no version " + version);
        }
        if (properties.lazy() && properties.alwaysLoaded().contains(name)) {
            throw new ConflictException("model '" + name + "' is always loaded (digitserve.models.always-loaded);"
                    + " it cannot be unloaded");
        }
        TreeMap<Integer, LoadedVersion> loaded = new TreeMap<>(entry.loaded());
        TreeMap<Integer, String> unloaded = new TreeMap<>(entry.unloaded());
        List<LoadedVersion> gone = new ArrayList<>();
        for (Integer v : List.copyOf(loaded.keySet())) {
            if (version == null || v.equals(version)) {
                gone.add(loaded.remove(v));
                unloaded.put(v, "unloaded on request" + (properties.lazy() ? "; loads again on its next request" : ""));
            }
        }
        put(entry.with(loaded, unloaded));
        for (LoadedVersion v : gone) {
            drain(v, "unloaded on request");
        }
        return status(name).orElseThrow();
    }

    /** One row of the repository index: every version of every model with its state and reason. */
    public record IndexEntry(String name, int version, VersionState state, String reason) {
    }

    /** Every version of every model, by name then version. */
    public List<IndexEntry> index() {
        List<IndexEntry> rows = new ArrayList<>();
        for (String name : names) {
            status(name).ifPresent(status -> status.versions().forEach(v ->
                    rows.add(new IndexEntry(name, v.version(), v.state(), v.reason()))));
        }
        return rows;
    }

    /** One page of the models whose names start with {@code prefix}, by name. */
    public record Page(List<ModelStatus> models, int page, int size, int total) {
    }

    /**
     * Models by name, {@code size} per page, from an ordered index: the cost is the names that match
     * the prefix, not a sort of every model per request.
     */
    public Page page(String prefix, int page, int size) {
        String from = prefix == null ? "" : prefix;
        List<ModelStatus> found = new ArrayList<>(Math.min(size, 256));
        long skip = (long) page * size;
        int total = 0;
        for (String name : names.tailSet(from)) {
            if (!name.startsWith(from)) {
                break;
            }
            if (total >= skip && found.size() < size) {
                status(name).ifPresent(found::add);
            }
            total++;
        }
        return new Page(found, page, size, total);
    }

    private ModelEntry requireModel(String name) {
        ModelEntry entry = models.get(name);
        if (entry == null) {
            throw new UnknownModelException("no model named '" + name + "'");
        }
        return entry;
    }

    // ---- loading ----------------------------------------------------------------------------------------

    private ModelEntry load(ModelEntry entry, int version, int warmupRounds) {
        TreeMap<Integer, LoadedVersion> loaded = new TreeMap<>(entry.loaded());
        TreeMap<Integer, String> failed = new TreeMap<>(entry.failed());
        long started = System.nanoTime();
        try {
            // one serving copy per batcher worker, so that every worker's batch runs at once
            ModelLoader.Loaded result = loader.load(entry.name(), version, settings(entry.name()).workers());
            Scanned known = entry.scanned().get(version);
            long bytes = known != null ? known.estimatedBytes() : estimate(entry.name(), version, result);
            DynamicBatcher batcher = batcher(entry.name(), version, result.engine());
            // before it can be served: a hot swap must not serve a cold version
            if (warmupRounds == LAZY_WARMUP_ROUNDS) {
                BatcherWarmup.runLight(batcher);
            } else {
                BatcherWarmup.run(batcher, warmupRounds);
            }
            loaded.put(version, new LoadedVersion(entry.name(), version, result.kind(), result.card(),
                    result.engine(), batcher, new Residency(bytes, System.nanoTime(), this::versionIdle)));
            loadsDone.increment();
            log.info("loaded {} version {} ({}) in {} ms", entry.name(), version, result.kind().id(),
                    (System.nanoTime() - started) / 1_000_000);
        } catch (ModelLoader.ModelLoadException e) {
            failed.put(version, e.getMessage());
            loadFailures.increment();
            log.error("cannot load {} version {}: {}", entry.name(), version, e.getMessage(), e.getCause());
        }
        return new ModelEntry(entry.name(), loaded, failed, entry.unloaded(), entry.scanned(), entry.pinned());
    }

    private long estimate(String name, int version, ModelLoader.Loaded result) {
        BatchingSettings settings = settings(name);
        try {
            return estimator.estimate(result.kind(), repository.versionDirectory(name, version)
                    .resolve(result.kind().weightsFile()), result.engine().classes(), settings.maxBatchSize(),
                    settings.workers());
        } catch (IOException e) {
            return 0; // loaded fine, so only the estimate is missing; eager loading does not budget
        }
    }

    /**
     * Lazy loading: reads a new version's card and estimates its memory; a version whose card or weights are
     * unusable is recorded as failed, with the reason, as a failed load would be.
     */
    private ModelEntry readCard(ModelEntry entry, int version) {
        TreeMap<Integer, Scanned> scannedVersions = new TreeMap<>(entry.scanned());
        TreeMap<Integer, String> failed = new TreeMap<>(entry.failed());
        try {
            ModelCard card = repository.readCard(entry.name(), version);
            ModelKind kind = ModelKind.fromId(card.kind());
            if (card.version() != version || !entry.name().equals(card.name())) {
                throw new IllegalArgumentException("model.json describes " + card.name() + " version "
                        + card.version() + ", but it sits in " + entry.name() + "/" + version);
            }
            BatchingSettings settings = settings(entry.name());
            long bytes = estimator.estimate(kind, repository.versionDirectory(entry.name(), version)
                    .resolve(kind.weightsFile()), card.labelsOrDigits().size(), settings.maxBatchSize(),
                    settings.workers());
            scannedVersions.put(version, new Scanned(card, kind, bytes));
        } catch (IOException | IllegalArgumentException e) {
            String reason = e instanceof java.nio.file.NoSuchFileException ? "missing model files" : e.getMessage();
            failed.put(version, reason);
            loadFailures.increment();
            log.error("cannot read {} version {}: {}", entry.name(), version, reason);
        }
        return new ModelEntry(entry.name(), entry.loaded(), failed, entry.unloaded(), scannedVersions, entry.pinned());
    }

    /** Lazy loading: every always-loaded model's served version is loaded (and a failed one passed over). */
    private void loadAlwaysLoaded() {
        for (String name : properties.alwaysLoaded()) {
            ModelEntry entry;
            Integer served;
            while ((entry = models.get(name)) != null && (served = entry.lazyServed()) != null
                    && !entry.loaded().containsKey(served)) {
                try {
                    loadWithinBudget(name, served, false);
                } catch (UnknownModelException e) {
                    // recorded as failed: the next lower version is tried
                } catch (ModelTooLargeException | BatchingException e) {
                    log.error("always-loaded model {} version {} cannot be loaded: {}", name, served, e.getMessage());
                    break;
                }
            }
        }
    }

    /**
     * The loaded version for a request, loading it first if need be (lazy loading): completes at once when it is
     * loaded; otherwise with the one load every concurrent request for that version shares. {@code version} null
     * means the served version; if that fails to load, the next one down is tried. Never blocks. The future fails
     * with {@link UnknownModelException} (no such model or version, or it failed to load, with the reason),
     * {@link ModelTooLargeException}, or a {@link BatchingException} of reason DEADLINE when no memory fell free
     * within the request timeout.
     */
    public CompletableFuture<LoadedVersion> acquire(String name, Integer version) {
        ModelEntry entry = models.get(name);
        if (entry == null) {
            return CompletableFuture.failedFuture(new UnknownModelException("no model named '" + name + "'"));
        }
        Integer number = version != null ? version : servedNumber(entry);
        if (number == null) {
            return CompletableFuture.failedFuture(new UnknownModelException(
                    "model '" + name + "' has no loaded version to serve"));
        }
        LoadedVersion loaded = entry.loaded().get(number);
        if (loaded != null && !loaded.residency().retired()) {
            return CompletableFuture.completedFuture(loaded);
        }
        if (!properties.lazy() || !entry.scanned().containsKey(number) || entry.failed().containsKey(number)) {
            return CompletableFuture.failedFuture(notLoaded(name, number));
        }
        CompletableFuture<LoadedVersion> load = sharedLoad(name, number);
        if (version != null) {
            return load;
        }
        return load.exceptionallyCompose(error -> {
            ModelEntry now = models.get(name);
            Integer next = now == null ? null : now.lazyServed();
            return next != null && !next.equals(number) && unwrap(error) instanceof UnknownModelException
                    ? acquire(name, null) : CompletableFuture.failedFuture(error);
        });
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
    }

    private UnknownModelException notLoaded(String name, int version) {
        return new UnknownModelException(whyNotLoaded(name, version)
                .map(reason -> "version " + version + " of '" + name + "' " + reason)
                .orElse("model '" + name + "' has no version " + version));
    }

    /** One load per version at a time, on the loader thread; the entry leaves the map before the future completes. */
    private CompletableFuture<LoadedVersion> sharedLoad(String name, int version) {
        String key = name + "/" + version;
        CompletableFuture<LoadedVersion> mine = new CompletableFuture<>();
        CompletableFuture<LoadedVersion> running = loads.putIfAbsent(key, mine);
        if (running != null) {
            return running;
        }
        try {
            lazyLoader.execute(() -> {
                LoadedVersion result = null;
                Throwable failure = null;
                try {
                    result = loadWithinBudget(name, version, false);
                } catch (RuntimeException e) {
                    failure = e;
                }
                // out of the map first: a request that comes after this sees the registry's state, not this load
                loads.remove(key, mine);
                if (failure == null) {
                    mine.complete(result);
                } else {
                    mine.completeExceptionally(failure);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            loads.remove(key, mine);
            mine.completeExceptionally(new BatchingException(BatchingException.Reason.SHUTDOWN,
                    "the service is shutting down", 1));
        }
        return mine;
    }

    /**
     * Loads one version (lazy loading) after making room for it in the memory budget, unless it is loaded already.
     *
     * @param retryFailed whether a version recorded as failed is tried again (an operator's explicit load)
     */
    private synchronized LoadedVersion loadWithinBudget(String name, int version, boolean retryFailed) {
        ModelEntry entry = requireModel(name);
        LoadedVersion present = entry.loaded().get(version);
        if (present != null && !present.residency().retired()) {
            return present;
        }
        if (retryFailed && entry.failed().containsKey(version)) {
            TreeMap<Integer, String> failed = new TreeMap<>(entry.failed());
            failed.remove(version);
            entry = new ModelEntry(name, entry.loaded(), failed, entry.unloaded(), entry.scanned(), entry.pinned());
            put(entry);
            entry = readCard(entry, version);
            put(entry);
        }
        Scanned known = entry.scanned().get(version);
        if (known == null || entry.failed().containsKey(version)) {
            throw notLoaded(name, version);
        }
        makeRoom(name, version, known.estimatedBytes());
        ModelEntry before = models.get(name);
        ModelEntry after = load(withoutRecord(before, version), version, LAZY_WARMUP_ROUNDS);
        commit(before, after);
        LoadedVersion loaded = after.loaded().get(version);
        if (loaded == null) {
            throw notLoaded(name, version);
        }
        return loaded;
    }

    /** Every loaded version, as the memory budget sees it. */
    private List<MemoryBudget.Resident<LoadedVersion>> residents() {
        List<MemoryBudget.Resident<LoadedVersion>> residents = new ArrayList<>();
        for (ModelEntry entry : models.values()) {
            boolean always = properties.alwaysLoaded().contains(entry.name());
            for (LoadedVersion loaded : entry.loaded().values()) {
                Residency residency = loaded.residency();
                boolean keep = always || (entry.pinned() != null && entry.pinned() == loaded.version());
                residents.add(new MemoryBudget.Resident<>(loaded, residency.estimatedBytes(),
                        residency.lastUsedNanos(), keep, residency.inFlight() == 0));
            }
        }
        return residents;
    }

    private double loadedBytes() {
        return residents().stream().mapToLong(MemoryBudget.Resident::bytes).sum();
    }

    /**
     * Evicts least recently used idle versions until {@code need} more bytes fit the budget (registry lock held);
     * waits for busy versions to fall idle up to the request timeout.
     */
    private void makeRoom(String name, int version, long need) {
        long limit = properties.memoryBudgetBytes();
        long deadline = System.nanoTime() + batching.settings().requestTimeout().toNanos();
        memoryWaiters.incrementAndGet(); // before looking, so that a version falling idle meanwhile is not missed
        try {
            while (true) {
                long generation;
                synchronized (memoryFreed) {
                    generation = idleGeneration;
                }
                MemoryBudget.Plan<LoadedVersion> plan = MemoryBudget.plan(limit, need, residents());
                switch (plan.outcome()) {
                    case FITS -> {
                        return;
                    }
                    case TOO_LARGE -> throw new ModelTooLargeException("version " + version + " of '" + name
                            + "' cannot be loaded: " + plan.reason());
                    case EVICT -> {
                        for (LoadedVersion victim : plan.victims()) {
                            if (!victim.residency().tryRetire()) {
                                break; // a request got in first: plan again
                            }
                            evict(victim);
                        }
                    }
                    case WAIT -> {
                        synchronized (memoryFreed) {
                            while (idleGeneration == generation) {
                                long left = deadline - System.nanoTime();
                                if (left <= 0) {
                                    throw new BatchingException(BatchingException.Reason.DEADLINE, "version " + version
                                            + " of '" + name + "' could not be loaded within the request timeout: "
                                            + plan.reason(), 1);
                                }
                                try {
                                    TimeUnit.NANOSECONDS.timedWait(memoryFreed, left);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                    throw new BatchingException(BatchingException.Reason.SHUTDOWN,
                                            "the service is shutting down", 1);
                                }
                            }
                        }
                    }
                }
            }
        } finally {
            memoryWaiters.decrementAndGet();
        }
    }

    /** A loaded version's last request left: wakes a load waiting for memory, if there is one. */
    private void versionIdle() {
        if (memoryWaiters.get() > 0) {
            synchronized (memoryFreed) {
                idleGeneration++;
                memoryFreed.notifyAll();
            }
        }
    }

    /** Unloads a retired (so idle) version to make room: its batcher has nothing queued, so it closes at once. */
    private void evict(LoadedVersion victim) {
        ModelEntry entry = models.get(victim.name());
        if (entry != null && entry.loaded().get(victim.version()) == victim) {
            TreeMap<Integer, LoadedVersion> loaded = new TreeMap<>(entry.loaded());
            TreeMap<Integer, String> unloaded = new TreeMap<>(entry.unloaded());
            loaded.remove(victim.version());
            unloaded.put(victim.version(), "evicted to fit the memory budget; loads again on its next request");
            put(entry.with(loaded, unloaded));
        }
        victim.close();
        evictions.increment();
        log.info("evicted {} version {} ({} bytes estimated) to fit the memory budget", victim.name(),
                victim.version(), victim.residency().estimatedBytes());
    }

    private BatchingSettings settings(String model) {
        BatchingProperties.Override override = properties.batchingOverride(model);
        return override == null ? batching.settings() : override.applyTo(batching.settings());
    }

    /** Every loaded version gets its own batcher, with its model's settings, on the shared pool. */
    private DynamicBatcher batcher(String model, int version, InferenceEngine engine) {
        return new DynamicBatcher(model, version, engine, settings(model), meters, TimeSource.system(), batchObserver,
                batching.pooled() ? pool : null, metrics.histograms(model, properties));
    }

    private static ModelEntry withoutRecord(ModelEntry entry, int version) {
        TreeMap<Integer, String> failed = new TreeMap<>(entry.failed());
        TreeMap<Integer, String> unloaded = new TreeMap<>(entry.unloaded());
        failed.remove(version);
        unloaded.remove(version);
        return new ModelEntry(entry.name(), entry.loaded(), failed, unloaded, entry.scanned(), entry.pinned());
    }

    /** Versions deleted from disk: forget failures, drain and drop loaded ones. */
    private ModelEntry forgetRemoved(ModelEntry entry, NavigableSet<Integer> onDisk) {
        TreeMap<Integer, LoadedVersion> loaded = new TreeMap<>(entry.loaded());
        TreeMap<Integer, String> failed = new TreeMap<>(entry.failed());
        TreeMap<Integer, String> unloaded = new TreeMap<>(entry.unloaded());
        TreeMap<Integer, Scanned> scannedVersions = new TreeMap<>(entry.scanned());
        failed.keySet().retainAll(onDisk);
        unloaded.keySet().retainAll(onDisk);
        scannedVersions.keySet().retainAll(onDisk);
        for (Integer version : List.copyOf(loaded.keySet())) {
            if (!onDisk.contains(version)) {
                drain(loaded.remove(version), "deleted from the repository");
                removalCounter(REMOVED_FROM_DISK).increment();
            }
        }
        return new ModelEntry(entry.name(), loaded, failed, unloaded, scannedVersions, entry.pinned());
    }

    /**
     * Publishes the new state of a model. If the served version changed, the one served before is
     * unloaded once its queue is drained (unless it is still pinned).
     */
    private void commit(ModelEntry before, ModelEntry after) {
        Optional<LoadedVersion> previous = before == null ? Optional.empty() : before.served();
        Optional<LoadedVersion> next = after.served();
        if (previous.isPresent() && next.isPresent() && previous.get().version() != next.get().version()
                && after.loaded().get(previous.get().version()) == previous.get()
                && !(properties.lazy() && after.pinned() == null)) {
            // (lazy loading without a pin: the version served before stays until it is evicted, since explicit
            // requests may still name it, and "served" follows the highest version, not the loaded ones)
            LoadedVersion superseded = previous.get();
            TreeMap<Integer, LoadedVersion> loaded = new TreeMap<>(after.loaded());
            TreeMap<Integer, String> unloaded = new TreeMap<>(after.unloaded());
            loaded.remove(superseded.version());
            unloaded.put(superseded.version(), "superseded by version " + next.get().version()
                    + "; unloaded after answering its queued requests");
            after = after.with(loaded, unloaded);
            put(after);
            log.info("{} now serves version {} (was {})", after.name(), next.get().version(), superseded.version());
            drain(superseded, "superseded by version " + next.get().version());
        } else {
            put(after);
        }
    }

    private void drain(LoadedVersion version, String why) {
        drainer.execute(() -> {
            version.close();
            log.info("unloaded {} version {} ({})", version.name(), version.version(), why);
        });
    }

    /** The version that answers requests that name no version, if it is loaded. */
    public Optional<LoadedVersion> served(String name) {
        ModelEntry entry = models.get(name);
        if (entry == null) {
            return Optional.empty();
        }
        if (properties.lazy()) {
            Integer number = entry.lazyServed();
            return number == null ? Optional.empty() : Optional.ofNullable(entry.loaded().get(number));
        }
        return entry.served();
    }

    /** The number of the version that answers requests that name no version (loaded or, lazily, loadable). */
    public Optional<Integer> servedVersion(String name) {
        ModelEntry entry = models.get(name);
        return entry == null ? Optional.empty() : Optional.ofNullable(servedNumber(entry));
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

    /** Whether versions load on their first request. */
    public boolean lazy() {
        return properties.lazy();
    }

    /** The longest a request may wait, load included. */
    public Duration requestTimeout() {
        return batching.settings().requestTimeout();
    }

    /**
     * Eager loading: true when there is at least one model and every model has a served version. Lazy loading: true
     * once the repository is scanned and every always-loaded model in it has its served version loaded.
     */
    public boolean allReady() {
        if (models.isEmpty()) {
            return false;
        }
        if (properties.lazy()) {
            return scanned && properties.alwaysLoaded().stream().map(models::get).filter(java.util.Objects::nonNull)
                    .allMatch(entry -> {
                        Integer served = entry.lazyServed();
                        return served != null && entry.loaded().containsKey(served);
                    });
        }
        return models.values().stream().allMatch(entry -> entry.served().isPresent());
    }

    /** Models whose served version is in memory now, by name: what a warm-up may exercise without loading. */
    public List<String> loadedModels() {
        List<String> loaded = new ArrayList<>();
        for (String name : names) {
            if (served(name).isPresent()) {
                loaded.add(name);
            }
        }
        return loaded;
    }

    /** How many models the registry knows. */
    public int size() {
        return models.size();
    }

    public List<ModelStatus> statuses() {
        return names.stream().map(this::status).flatMap(Optional::stream).toList();
    }

    public Optional<ModelStatus> status(String name) {
        ModelEntry entry = models.get(name);
        if (entry == null) {
            return Optional.empty();
        }
        TreeMap<Integer, ModelStatus.Version> byNumber = new TreeMap<>();
        entry.scanned().forEach((v, known) ->
                byNumber.put(v, new ModelStatus.Version(v, VersionState.AVAILABLE, null, known.card(),
                        known.estimatedBytes())));
        entry.unloaded().forEach((v, reason) -> {
            Scanned known = entry.scanned().get(v);
            byNumber.put(v, new ModelStatus.Version(v, VersionState.UNLOADED, reason, null,
                    known == null ? null : known.estimatedBytes()));
        });
        entry.failed().forEach((v, reason) ->
                byNumber.put(v, new ModelStatus.Version(v, VersionState.FAILED, reason, null, null)));
        entry.loaded().forEach((v, loaded) ->
                byNumber.put(v, new ModelStatus.Version(v, VersionState.LOADED, null, loaded.card(),
                        loaded.residency().estimatedBytes())));
        Integer served = servedNumber(entry);
        String kind = null;
        if (served != null && entry.loaded().containsKey(served)) {
            kind = entry.loaded().get(served).kind().id();
        } else if (served != null && entry.scanned().containsKey(served)) {
            kind = entry.scanned().get(served).kind().id();
        } else if (!entry.loaded().isEmpty()) {
            kind = entry.loaded().firstEntry().getValue().kind().id();
        }
        return Optional.of(new ModelStatus(name, kind, served, entry.pinned(), served != null,
                new ArrayList<>(byNumber.values())));
    }

    /** Drains and frees every loaded version. */
    @Override
    public synchronized void close() {
        lazyLoader.shutdownNow();
        for (ModelEntry entry : models.values()) {
            entry.loaded().values().forEach(LoadedVersion::close);
        }
        models.clear();
        names.clear();
        drainer.shutdown();
        try {
            drainer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
