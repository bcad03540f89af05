/**
 * The model repository on disk, model cards, and the registry of loaded versions (load, warm up, hot swap, pin,
 * drain; lazy loading within a memory budget, with LRU eviction and explicit load and unload). Entry types: {@link dev.digitserve.model.ModelRegistry} and {@link dev.digitserve.model.ModelResolver}, the one
 * prediction path every API takes.
 */
package dev.digitserve.model;
