/**
 * The v1 REST prediction endpoints: JSON pixel arrays, image bodies and multipart uploads (read once, by
 * {@code PredictionInputs}), answered as {@code {"model", "version", "predictions"}}, or as
 * {@code {"model", "version", "embeddings"}} by the embedding endpoints. Entry types: {@code PredictionController},
 * {@code EmbeddingController}.
 */
package dev.digitserve.prediction;
