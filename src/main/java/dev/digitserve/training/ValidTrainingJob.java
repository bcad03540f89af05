package dev.digitserve.training;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/**
 * The rules that span fields of a {@link TrainingJobRequest}: without a dataset the model is {@code cnn} or
 * {@code lasso}; {@code base}, {@code freeze} and {@code include} need a dataset; fine-tuning never publishes to
 * {@code lasso}; an elastic distortion ({@code augment.elasticAlpha} > 0) needs its {@code elasticSigma}. Each violation is reported on the field to fix.
 */
@Documented
@Constraint(validatedBy = ValidTrainingJob.Validator.class)
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@interface ValidTrainingJob {
    String message() default "inconsistent training job";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    final class Validator implements ConstraintValidator<ValidTrainingJob, TrainingJobRequest> {
        @Override
        public boolean isValid(TrainingJobRequest request, ConstraintValidatorContext context) {
            if (request == null || request.model() == null) {
                return true;
            }
            context.disableDefaultConstraintViolation();
            boolean valid = true;
            if (request.dataset() == null) {
                if (!"cnn".equals(request.model()) && !"lasso".equals(request.model())) {
                    valid = violation(context, "model", "must be cnn or lasso (any other name needs a dataset: a"
                            + " fine-tuning job)");
                }
                for (String field : new String[] {"base", "freeze", "include"}) {
                    boolean given = switch (field) {
                        case "base" -> request.base() != null;
                        case "freeze" -> request.freeze() != null;
                        default -> request.include() != null;
                    };
                    if (given) {
                        valid = violation(context, field, "only for fine-tuning jobs, which name a dataset");
                    }
                }
            } else if ("lasso".equals(request.model())) {
                valid = violation(context, "model", "fine-tuning trains a CNN; publish it under another name than lasso");
            }
            TrainingJobRequest.Augment augment = request.augment();
            if (augment != null && augment.elasticAlpha() != null && augment.elasticAlpha() > 0
                    && augment.elasticSigma() == null) {
                context.buildConstraintViolationWithTemplate("required when elasticAlpha > 0 (the smoothness of the"
                        + " elastic field in pixels, e.g. 4)").addPropertyNode("augment").addPropertyNode("elasticSigma")
                        .addConstraintViolation();
                valid = false;
            }
            return valid;
        }

        private static boolean violation(ConstraintValidatorContext context, String field, String message) {
            context.buildConstraintViolationWithTemplate(message).addPropertyNode(field).addConstraintViolation();
            return false;
        }
    }
}
