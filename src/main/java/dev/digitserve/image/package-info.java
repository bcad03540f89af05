/**
 * Image decoding support and MNIST-style preprocessing, without HTTP: what format an upload is
 * ({@link dev.digitserve.image.ImageFormat}), which way up it is meant to be shown
 * ({@link dev.digitserve.image.Orientation}, read by {@link dev.digitserve.image.OrientationReader}), and where
 * the digits of a number written in a row are ({@link dev.digitserve.image.DigitSegmenter}). Depends on
 * nothing else in digitserve; the prediction endpoints build on it.
 */
package dev.digitserve.image;
