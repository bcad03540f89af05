/**
 * digitserve: a model-serving service for handwritten-digit models. Entry type: {@link dev.digitserve.DigitserveApplication};
 * each subpackage owns one feature (see the README's code map).
 */
package dev.digitserve;
