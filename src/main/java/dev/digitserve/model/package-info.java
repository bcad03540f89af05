/**
 * The model repository on disk, model cards, and the registry of loaded versions (load, warm up, hot swap, pin,
 * drain). Entry types: {@link dev.digitserve.model.ModelRegistry} and {@link dev.digitserve.model.ModelResolver}, the one
 * prediction path every API takes.
 */
package dev.digitserve.model;
