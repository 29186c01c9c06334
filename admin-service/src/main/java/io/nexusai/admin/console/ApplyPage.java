package io.nexusai.admin.console;

import io.nexusai.admin.rest.ApplyDocuments;
import io.nexusai.admin.service.ApplyService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestForm;

/**
 * The Apply page: paste or upload the declarative YAML (an upload is read into the text field by the browser,
 * {@code console.js}: the form posts text only), see the dry run's diff (create, update, delete per object;
 * deletions the file implies are shown as kept unless prune is ticked), then apply exactly that document. The document
 * is read by the REST API's {@link ApplyDocuments} and applied by {@link ApplyService}: the same checks, the same audit.
 */
@Path("/console/apply")
public class ApplyPage {
    private final ApplyService apply;
    private final ApplyDocuments documents;
    private final ConsoleUser user;

    public ApplyPage(ApplyService apply, ApplyDocuments documents, ConsoleUser user) {
        this.apply = apply;
        this.documents = documents;
        this.user = user;
    }

    private Frame frame(String message) {
        return new Frame("apply", user.csrf(), message, null);
    }

    @GET
    public Uni<Response> page() {
        return Results.page(Pages.apply(frame(null), null, false, null));
    }

    @POST
    @Path("/dry-run")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> dryRun(@RestForm String yaml, @RestForm String prune, @RestForm("_csrf") String csrf) {
        return run(yaml, prune, csrf, true);
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> apply(@RestForm String yaml, @RestForm String prune, @RestForm("_csrf") String csrf) {
        return run(yaml, prune, csrf, false);
    }

    private Uni<Response> run(String yaml, String prune, String csrf, boolean dryRun) {
        user.checkCsrf(csrf);
        boolean isPrune = "true".equals(prune);
        return Uni.createFrom().deferred(() -> {
            try {
                return apply.apply(user.actor(), documents.read(yaml, false), dryRun, isPrune);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return Uni.createFrom().failure(e);
            }
        }).flatMap(result -> Results.page(Pages.apply(frame(dryRun ? null : "Applied."), yaml, isPrune, result)))
                .onFailure(Results::isUserError).recoverWithUni(e -> Results.page(Results.status(e),
                        Pages.apply(frame(null).withError(Results.message(e)), yaml, isPrune, null)));
    }
}
