package io.nexusai.admin.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.nexusai.api.openai.ApiException;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.net.URI;
import java.util.Map;

/** How console pages answer: rendered pages, redirects after a write, and failures as a message on the page. */
final class Results {
    private static final Logger LOG = Logger.getLogger(Results.class);
    /** Messages a page shows after a redirect ({@code ?ok=code}): only these, so a link cannot make a page say anything else. */
    private static final Map<String, String> DONE = Map.ofEntries(
            Map.entry("provider-created", "Provider added."), Map.entry("provider-saved", "Provider saved."),
            Map.entry("provider-enabled", "Provider enabled."), Map.entry("provider-disabled", "Provider disabled."),
            Map.entry("route-created", "Deployment added."), Map.entry("route-saved", "Deployment saved."),
            Map.entry("route-deleted", "Deployment removed."), Map.entry("alias-saved", "Alias policy saved."),
            Map.entry("tenant-created", "Tenant created."), Map.entry("tenant-saved", "Tenant saved."),
            Map.entry("key-revoked", "Key revoked: gateways refuse it within a second."),
            Map.entry("signing-off", "Request signing turned off."));

    private Results() {
    }

    static String done(String code) {
        return code == null ? null : DONE.get(code);
    }

    static Response redirect(String path) {
        return Response.seeOther(URI.create(path)).build();
    }

    static Uni<Response> page(TemplateInstance page) {
        return page(200, page);
    }

    static Uni<Response> page(int status, TemplateInstance page) {
        return page.createUni().map(html -> Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).entity(html).build());
    }

    /** The status a failed write answers with: the admin API's for its errors, 400 for bad form input. */
    static int status(Throwable f) {
        if (f instanceof ApiException e) {
            return e.status();
        }
        if (f instanceof Form.Invalid || f instanceof ConstraintViolationException || f instanceof JsonProcessingException) {
            return 400;
        }
        if (f instanceof WebApplicationException e && e.getResponse() != null) {
            return e.getResponse().getStatus();
        }
        return 500;
    }

    /** What to tell the user about a failed write. */
    static String message(Throwable f) {
        if (f instanceof ApiException || f instanceof Form.Invalid) {
            return f.getMessage();
        }
        if (f instanceof ConstraintViolationException e) {
            return e.getConstraintViolations().stream().map(v -> v.getPropertyPath() + " " + v.getMessage() + ".").sorted()
                    .reduce((a, b) -> a + " " + b).orElse("Invalid input.");
        }
        if (f instanceof JsonMappingException e && !e.getPath().isEmpty()) {
            StringBuilder at = new StringBuilder();
            for (JsonMappingException.Reference r : e.getPath()) {
                at.append(r.getFieldName() != null ? (at.isEmpty() ? "" : ".") + r.getFieldName() : "[" + r.getIndex() + "]");
            }
            return "The configuration does not fit the format at " + at + ": an unknown field, or a value of the wrong type.";
        }
        if (f instanceof JsonProcessingException) {
            return "The configuration could not be read.";
        }
        LOG.errorf("console: a write failed unexpectedly: %s", f.getClass().getName());
        return "The change failed; nothing was written. Try again, or see the admin-service log.";
    }

    /**
     * Whether a failed write is answered with its page and the failure as a message on it: every failure but a wrong
     * CSRF token ({@code ForbiddenException}), which keeps its bare 403.
     */
    static boolean isUserError(Throwable f) {
        return !(f instanceof jakarta.ws.rs.ForbiddenException);
    }
}
