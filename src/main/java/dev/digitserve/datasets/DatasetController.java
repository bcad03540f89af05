package dev.digitserve.datasets;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Set;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

import dev.digitserve.request.FieldError;
import dev.digitserve.request.InvalidRequestException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

@RestController
@RequestMapping("/api/v1/datasets")
@Tag(name = "Datasets", description = "Labelled images for fine-tuning jobs: upload, list, inspect, delete")
class DatasetController {
    private final DatasetService datasets;

    private final DatasetReferences references;
    private final ObjectProvider<DatasetUsers> users;

    DatasetController(DatasetService datasets, DatasetReferences references, ObjectProvider<DatasetUsers> users) {
        this.datasets = datasets;
        this.references = references;
        this.users = users;
    }

    private boolean inUse(String id) {
        DatasetUsers current = users.getIfAvailable();
        return current != null && current.userOf(id) != null;
    }

    record DatasetList(List<DatasetManifest> datasets) {
    }

    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @Operation(summary = "Upload a dataset",
            description = "multipart/form-data with a `name` field and either a part `archive` (a zip of folders named"
                    + " after labels, e.g. `plus/001.png`, `7/a.jpg`; PNG or JPEG, any size, either polarity) or parts"
                    + " `images` and `labels` (an IDX image file of 28x28 unsigned bytes and an IDX label file)."
                    + " Archive images get the same MNIST-style preprocessing as prediction uploads; undecodable"
                    + " images and pictures without a digit are skipped and listed in the manifest. Labels are 1-32"
                    + " characters of [A-Za-z0-9_-], at most 100. Hostile archives (over the size limit, zip bombs,"
                    + " over 100,000 entries, `..`, absolute paths or links, nested archives) are refused and leave"
                    + " nothing behind. Requires an API key when keys are configured.")
    @ApiResponse(responseCode = "201", description = "Stored; the body is its manifest, whose `id` training jobs name")
    @ApiResponse(responseCode = "400", description = "Not a usable archive or IDX pair; `errors` says why")
    @ApiResponse(responseCode = "413", description = "Larger than digitserve.datasets.max-archive-size")
    ResponseEntity<DatasetManifest> create(@RequestParam(name = "name", required = false) String name,
                                           @RequestPart(name = "archive", required = false) MultipartFile archive,
                                           @RequestPart(name = "images", required = false) MultipartFile images,
                                           @RequestPart(name = "labels", required = false) MultipartFile labels)
            throws IOException {
        DatasetManifest manifest;
        if (archive != null && images == null && labels == null) {
            manifest = datasets.createFromArchive(name, archive.getSize(), archive::transferTo);
        } else if (archive == null && images != null && labels != null) {
            manifest = datasets.createFromIdx(name, images.getSize(), images::transferTo, labels.getSize(),
                    labels::transferTo);
        } else {
            String why = "send either a part 'archive' (a zip of label folders) or the parts 'images' and 'labels'"
                    + " (an IDX pair)";
            throw new InvalidRequestException(why, List.of(new FieldError("archive", why)));
        }
        return ResponseEntity.created(URI.create("/api/v1/datasets/" + manifest.id())).body(manifest);
    }

    @GetMapping
    @Operation(summary = "List datasets", description = "Their manifests, newest first. With `unused=true` only the"
            + " datasets that no model version on disk was fine-tuned on and no queued or running job uses: the ones"
            + " that can be deleted without losing how a kept model was made.")
    DatasetList list(@RequestParam(defaultValue = "false") boolean unused) {
        if (!unused) {
            return new DatasetList(datasets.list());
        }
        Set<String> referenced = references.referenced();
        return new DatasetList(datasets.list().stream()
                .filter(manifest -> !referenced.contains(manifest.id()) && !inUse(manifest.id()))
                .toList());
    }

    @GetMapping("/{id}")
    @Operation(summary = "Get a dataset's manifest")
    @ApiResponse(responseCode = "404", description = "No such dataset")
    DatasetManifest get(@PathVariable String id) {
        return datasets.get(id).orElseThrow(() -> DatasetService.notFound(id));
    }

    @DeleteMapping("/{id}")
    @Operation(summary = "Delete a dataset", description = "Refused with 409 while a queued or running training job"
            + " uses it. Requires an API key when keys are configured.")
    @ApiResponse(responseCode = "204", description = "Deleted")
    @ApiResponse(responseCode = "404", description = "No such dataset")
    @ApiResponse(responseCode = "409", description = "A queued or running training job uses it")
    ResponseEntity<Void> delete(@PathVariable String id) throws IOException {
        datasets.delete(id);
        return ResponseEntity.noContent().build();
    }
}
