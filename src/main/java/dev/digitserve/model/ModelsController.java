package dev.digitserve.model;

import java.util.ArrayList;
import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.digitserve.request.FieldError;
import dev.digitserve.request.InvalidRequestException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
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

    /**
     * One page of the listing.
     *
     * @param total models whose names match the filter, on every page
     */
    record ModelList(List<ModelStatus> models, int page, int size, int total) {
    }

    static final int DEFAULT_PAGE_SIZE = 100;
    static final int MAX_PAGE_SIZE = 1000;

    @GetMapping
    @Operation(summary = "List models",
            description = "The models in the repository by name, a page at a time, with their versions (LOADED or"
                    + " AVAILABLE with the model card, FAILED or UNLOADED with the reason, each with its estimated"
                    + " memory in bytes), the served version and whether it is ready. `name` keeps the models whose"
                    + " names start with it.")
    @ApiResponse(responseCode = "200", description = "One page of models")
    @ApiResponse(responseCode = "400", description = "Invalid page, size or name")
    ModelList list(@RequestParam(defaultValue = "0") @Parameter(description = "Page number, from 0") int page,
                   @RequestParam(defaultValue = "" + DEFAULT_PAGE_SIZE)
                   @Parameter(description = "Models per page, 1 to " + MAX_PAGE_SIZE) int size,
                   @RequestParam(required = false) @Parameter(description = "Name prefix", example = "cnn") String name) {
        List<FieldError> errors = new ArrayList<>();
        if (page < 0) {
            errors.add(new FieldError("page", "must be >= 0"));
        }
        if (size < 1 || size > MAX_PAGE_SIZE) {
            errors.add(new FieldError("size", "must be between 1 and " + MAX_PAGE_SIZE));
        }
        if (name != null && !name.isEmpty() && !ModelRepository.NAME.matcher(name).matches()) {
            errors.add(new FieldError("name", "must be a prefix of a model name: [a-z0-9][a-z0-9_-]{0,63}"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException("invalid listing parameters", errors);
        }
        ModelRegistry.Page found = registry.page(name, page, size);
        return new ModelList(found.models(), found.page(), found.size(), found.total());
    }

    /** Body of a state change: {@code LOADED} or {@code UNLOADED}. */
    record StateRequest(@jakarta.validation.constraints.NotNull
                        @io.swagger.v3.oas.annotations.media.Schema(allowableValues = {"LOADED", "UNLOADED"},
                                example = "LOADED") TargetState state) {
    }

    /** What a model or version can be asked to become. */
    enum TargetState { LOADED, UNLOADED }

    @org.springframework.web.bind.annotation.PutMapping("/{name}/state")
    @Operation(summary = "Load or unload a model",
            description = "LOADED loads the served version now (rescanning the repository if the model is new, trying"
                    + " a failed version again), evicting idle versions if the memory budget needs it; UNLOADED"
                    + " unloads every loaded version after answering the requests queued on it (with lazy loading"
                    + " the next request loads it again). The v1 form of POST /v2/repository/models/{name}/load and"
                    + " /unload. Requires an API key when keys are configured.")
    @ApiResponse(responseCode = "200", description = "The model in its new state")
    @ApiResponse(responseCode = "404", description = "No such model, or it cannot be loaded (the reason says why)")
    @ApiResponse(responseCode = "409", description = "Unloading a model configured as always loaded")
    @ApiResponse(responseCode = "507", description = "The version can never fit the memory budget")
    ModelStatus setState(@PathVariable String name,
                         @org.springframework.web.bind.annotation.RequestBody @jakarta.validation.Valid StateRequest request) {
        return changeState(name, null, request.state());
    }

    @org.springframework.web.bind.annotation.PutMapping("/{name}/versions/{version}/state")
    @Operation(summary = "Load or unload one version",
            description = "As for the model, for one version. Requires an API key when keys are configured.")
    @ApiResponse(responseCode = "200", description = "The model with the version in its new state")
    @ApiResponse(responseCode = "404", description = "No such model or version, or it cannot be loaded")
    @ApiResponse(responseCode = "409", description = "Unloading a model configured as always loaded")
    @ApiResponse(responseCode = "507", description = "The version can never fit the memory budget")
    ModelStatus setVersionState(@PathVariable String name, @PathVariable int version,
                                @org.springframework.web.bind.annotation.RequestBody @jakarta.validation.Valid StateRequest request) {
        if (version < 1) {
            throw new InvalidRequestException("model versions are positive integers",
                    List.of(new FieldError("version", "must be >= 1")));
        }
        return changeState(name, version, request.state());
    }

    private ModelStatus changeState(String name, Integer version, TargetState state) {
        ModelResolver.requireValidName(name);
        return state == TargetState.LOADED ? registry.load(name, version) : registry.unload(name, version);
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
