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
