package dev.digitserve.model;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A model as the API reports it: its versions with their state, which one is served (null when none
 * can be), whether a version is pinned, and whether it is ready to answer.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelStatus(String name, String kind, Integer servedVersion, Integer pinnedVersion, boolean ready,
                          List<Version> versions) {

    /**
     * One version: LOADED or AVAILABLE with its card, FAILED or UNLOADED with the reason; {@code estimatedBytes} is
     * what the version takes (or would take) in memory, parameters plus working memory for a full batch, as the
     * memory budget counts it (null when unknown).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Version(int version, VersionState state, String reason, ModelCard card, Long estimatedBytes) {
    }
}
