package dev.digitserve.model;

/**
 * Where a version on disk stands in the registry: LOADED (in memory, answering), FAILED (could not be
 * loaded; the reason says why) or UNLOADED (was served, was superseded, and was freed once drained).
 */
public enum VersionState {
    LOADED, FAILED, UNLOADED
}
