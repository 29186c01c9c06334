package io.nexusai.admin.validation;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

import static java.lang.annotation.ElementType.ANNOTATION_TYPE;
import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

/**
 * A human-readable name (of a provider, tenant or key): at least one visible character (not only spaces, including
 * Unicode spaces and invisible format characters such as U+200B) and no control characters (tabs, line breaks, NUL,
 * U+0000-U+001F, U+007F-U+009F). {@code null} is valid (a PATCH that leaves the name alone); creates add
 * {@code @NotNull}.
 */
@Documented
@Constraint(validatedBy = Name.Validator.class)
@Target({METHOD, FIELD, ANNOTATION_TYPE, PARAMETER, TYPE_USE})
@Retention(RUNTIME)
public @interface Name {
    String message() default "must contain a visible character and no control characters";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** The check of {@link Name}. */
    class Validator implements ConstraintValidator<Name, CharSequence> {
        @Override
        public boolean isValid(CharSequence value, ConstraintValidatorContext context) {
            if (value == null) {
                return true;
            }
            boolean visible = false;
            for (int i = 0; i < value.length(); ) {
                int cp = Character.codePointAt(value, i);
                int type = Character.getType(cp);
                if (type == Character.CONTROL) {
                    return false;
                }
                visible |= !Character.isWhitespace(cp) && !Character.isSpaceChar(cp) && type != Character.FORMAT;
                i += Character.charCount(cp);
            }
            return visible;
        }
    }
}
