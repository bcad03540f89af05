/**
 * Image decoding (with a pixel limit checked from the header, EXIF orientation applied, format told by its magic
 * bytes) and MNIST-style preprocessing into 28x28 input, plus finding the digits of a number written in a row
 * ({@link dev.digitserve.image.DigitSegmenter}); no HTTP in it. Entry types: {@link dev.digitserve.image.DigitImageReader}
 * and {@link dev.digitserve.image.ImageFormat}; the rest is private to the package except the exceptions it throws.
 */
package dev.digitserve.image;
