/**
 * The Open Inference Protocol (KServe V2) REST endpoints: health, metadata and inference.
 * Entry type: {@code OpenInferenceController}; its errors are rendered by {@code web} as {@code {"error": ...}}.
 */
package dev.digitserve.protocol;
