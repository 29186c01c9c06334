package io.nexusai.admin.validation;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import java.time.Instant;
import java.time.OffsetDateTime;

import static java.lang.annotation.ElementType.ANNOTATION_TYPE;
import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

/**
 * An upper bound for a timestamp (the counterpart of {@code @Future}): the instant must be strictly before
 * {@link #value()} (ISO-8601, e.g. {@link Rules#LAST_INSTANT}). {@code null} is valid.
 */
@Documented
@Constraint(validatedBy = EarlierThan.Validator.class)
@Target({METHOD, FIELD, ANNOTATION_TYPE, PARAMETER, TYPE_USE})
@Retention(RUNTIME)
public @interface EarlierThan {
    String value();

    String message() default "must be before {value}";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** The check of {@link EarlierThan} for {@link OffsetDateTime}. */
    class Validator implements ConstraintValidator<EarlierThan, OffsetDateTime> {
        private Instant bound;

        @Override
        public void initialize(EarlierThan annotation) {
            bound = Instant.parse(annotation.value());
        }

        @Override
        public boolean isValid(OffsetDateTime value, ConstraintValidatorContext context) {
            return value == null || value.toInstant().isBefore(bound);
        }
    }
}
