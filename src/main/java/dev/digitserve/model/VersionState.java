package dev.digitserve.model;

/** Where a version on disk stands in the registry. */
public enum VersionState {
    LOADED, FAILED
}
