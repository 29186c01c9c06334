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
import org.jboss.resteasy.reactive.multipart.FileUpload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * The Apply page: paste or upload the declarative YAML, see the dry run's diff (create, update, delete per object;
 * deletions the file implies are shown as kept unless prune is ticked), then apply exactly that document. The document
 * is read by the REST API's {@link ApplyDocuments} and applied by {@link ApplyService}: the same checks, the same audit.
 */
@Path("/console/apply")
public class ApplyPage {
    /** Largest upload read (the document limit of {@link ApplyDocuments} is smaller). */
    private static final long MAX_UPLOAD = 2_000_000;
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
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public Uni<Response> dryRun(@RestForm String yaml, @RestForm FileUpload file, @RestForm String prune, @RestForm("_csrf") String csrf) {
        return run(yaml, file, prune, csrf, true);
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public Uni<Response> apply(@RestForm String yaml, @RestForm FileUpload file, @RestForm String prune, @RestForm("_csrf") String csrf) {
        return run(yaml, file, prune, csrf, false);
    }

    private Uni<Response> run(String yaml, FileUpload file, String prune, String csrf, boolean dryRun) {
        user.checkCsrf(csrf);
        boolean isPrune = "true".equals(prune);
        String[] document = {yaml};
        return Uni.createFrom().deferred(() -> {
            try {
                document[0] = document(yaml, file);
                return apply.apply(user.actor(), documents.read(document[0], false), dryRun, isPrune);
            } catch (IOException e) {
                return Uni.createFrom().failure(e);
            }
        }).flatMap(result -> Results.page(Pages.apply(frame(dryRun ? null : "Applied."), document[0], isPrune, result)))
                .onFailure(Results::isUserError).recoverWithUni(e -> Results.page(Results.status(e),
                        Pages.apply(frame(null).withError(Results.message(e)), document[0], isPrune, null)));
    }

    /** The uploaded file when one was chosen, else the pasted text. */
    private static String document(String yaml, FileUpload file) throws IOException {
        if (file != null && file.size() > 0 && file.uploadedFile() != null) {
            if (file.size() > MAX_UPLOAD) {
                throw new Form.Invalid(java.util.List.of("The file is too large."));
            }
            return Files.readString(file.uploadedFile(), StandardCharsets.UTF_8);
        }
        return yaml;
    }
}
