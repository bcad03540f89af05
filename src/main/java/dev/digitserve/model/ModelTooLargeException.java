package dev.digitserve.model;

/**
 * A version cannot be loaded within the memory budget even after evicting every version that may be evicted (it
 * is larger than the budget, or than what the pinned and always-loaded versions leave). Not transient: the
 * operator must raise {@code digitserve.models.memory-budget} or unpin something. The message is client-safe.
 */
public class ModelTooLargeException extends RuntimeException {
    public ModelTooLargeException(String message) {
        super(message);
    }
}
