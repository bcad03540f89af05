package dev.digitserve.datasets;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code digitserve.datasets.*}.
 *
 * @param dir                 where datasets live, one directory per dataset ({@code <dir>/<id>/})
 * @param maxArchiveSize      the largest upload (the zip, or the IDX pair together) that is accepted; the
 *                            request-size filter lets a dataset upload this large through (plus multipart framing),
 *                            and {@code spring.servlet.multipart.max-file-size} must be at least this
 * @param maxUncompressedSize the most bytes the entries of one archive may inflate to (zip bomb guard)
 * @param maxCompressionRatio the most an entry may inflate relative to its compressed size, once it is over 1 MiB
 * @param maxEntries          the most entries (files and folders) an archive may hold
 * @param maxEntrySize        the largest single image file; larger entries are skipped as too large
 */
@ConfigurationProperties("digitserve.datasets")
public record DatasetsProperties(
        @DefaultValue("datasets") Path dir,
        @DefaultValue("100MB") DataSize maxArchiveSize,
        @DefaultValue("1GB") DataSize maxUncompressedSize,
        @DefaultValue("100") int maxCompressionRatio,
        @DefaultValue("100000") int maxEntries,
        @DefaultValue("16MB") DataSize maxEntrySize) {
}
