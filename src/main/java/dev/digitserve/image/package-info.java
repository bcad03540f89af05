/**
 * Image decoding (with a pixel limit checked from the header) and MNIST-style preprocessing into 28x28 input, with no
 * HTTP in it. Entry type: {@link dev.digitserve.image.DigitImageReader}; the rest is private to the package except the
 * exceptions it throws.
 */
package dev.digitserve.image;
