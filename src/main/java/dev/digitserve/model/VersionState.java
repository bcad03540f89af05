package dev.digitserve.model;

/**
 * Where a version on disk stands in the registry: LOADED (in memory, answering), FAILED (could not be
 * loaded; the reason says why), UNLOADED (was loaded, was superseded, evicted or unloaded on request, and was freed
 * once drained) or, with lazy loading, AVAILABLE (its card is read; it loads on its first request).
 */
public enum VersionState {
    LOADED, FAILED, UNLOADED, AVAILABLE
}
