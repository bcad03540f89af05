package dev.digitserve.model;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

@RestController
@RequestMapping("/api/v1/models")
@Tag(name = "Models", description = "The models this service serves, their versions and model cards")
class ModelsController {
    private final ModelRegistry registry;

    ModelsController(ModelRegistry registry) {
        this.registry = registry;
    }

    /** The listing of every model. */
    record ModelList(List<ModelStatus> models) {
    }

    @GetMapping
    @Operation(summary = "List models",
            description = "Every model in the repository with its versions (LOADED with the model card, or FAILED"
                    + " with the reason), the served version and whether it is ready.")
    ModelList list() {
        return new ModelList(registry.statuses());
    }

    /** Body of a pin request. */
    record ServedVersionRequest(@jakarta.validation.constraints.NotNull @jakarta.validation.constraints.Min(1)
                                @io.swagger.v3.oas.annotations.media.Schema(example = "1") Integer version) {
    }

    @org.springframework.web.bind.annotation.PutMapping("/{name}/served-version")
    @Operation(summary = "Pin the served version (rollback)",
            description = "Serves the given version until the pin is removed, loading it again if it had been"
                    + " unloaded. Requires an API key when keys are configured.")
    @ApiResponse(responseCode = "200", description = "The model with its new served version")
    @ApiResponse(responseCode = "404", description = "No such model or version, or the version cannot be loaded")
    ModelStatus pin(@PathVariable String name,
                    @org.springframework.web.bind.annotation.RequestBody @jakarta.validation.Valid ServedVersionRequest request) {
        ModelResolver.requireValidName(name);
        return registry.pin(name, request.version());
    }

    @org.springframework.web.bind.annotation.DeleteMapping("/{name}/served-version")
    @Operation(summary = "Remove the pin", description = "Returns to serving the highest version that loads.")
    ModelStatus unpin(@PathVariable String name) {
        ModelResolver.requireValidName(name);
        return registry.unpin(name);
    }

    @org.springframework.web.bind.annotation.DeleteMapping("/{name}/versions/{version}")
    @org.springframework.web.bind.annotation.ResponseStatus(org.springframework.http.HttpStatus.NO_CONTENT)
    @Operation(summary = "Delete a version",
            description = "Unloads the version (requests already queued on it are answered first), removes its"
                    + " directory atomically and forgets it; deleting the last version removes the model. Refused"
                    + " with 409 while the version is served or pinned. Requires an API key when keys are configured.")
    @ApiResponse(responseCode = "204", description = "Deleted")
    @ApiResponse(responseCode = "404", description = "No such model or version")
    @ApiResponse(responseCode = "409", description = "The version is served or pinned")
    void deleteVersion(@PathVariable String name, @PathVariable int version) {
        ModelResolver.requireValidName(name);
        registry.delete(name, version);
    }

    @GetMapping("/{name}")
    @Operation(summary = "Describe one model",
            description = "Versions with their state and model cards (metrics measured on the 10k MNIST test set,"
                    + " training parameters), the served version and readiness.")
    @ApiResponse(responseCode = "200", description = "The model")
    @ApiResponse(responseCode = "400", description = "Invalid model name")
    @ApiResponse(responseCode = "404", description = "No such model")
    ModelStatus get(@PathVariable String name) {
        ModelResolver.requireValidName(name);
        return registry.status(name).orElseThrow(() -> new UnknownModelException("no model named '" + name + "'"));
    }
}
