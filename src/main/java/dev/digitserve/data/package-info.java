/**
 * Reading and validating IDX files, and fetching and verifying MNIST. Entry types:
 * {@link dev.digitserve.data.Mnist}, {@link dev.digitserve.data.IdxReader}, {@link dev.digitserve.data.MnistFetcher}.
 */
package dev.digitserve.data;
