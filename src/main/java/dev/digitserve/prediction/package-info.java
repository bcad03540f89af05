/**
 * The v1 REST prediction endpoints: JSON pixel arrays, image bodies and multipart uploads, answered as
 * {@code {"model", "version", "predictions"}}. Entry type: {@code PredictionController}.
 */
package dev.digitserve.prediction;
