package io.nexusai.admin.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.nexusai.admin.service.ApplyService;
import io.nexusai.api.openai.ApiException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/**
 * {@code POST /admin/v1/apply}: declarative configuration in the product README's YAML format (a list of
 * providers, each with its {@code models}), or the same as JSON, or {@code {"providers": [...]}}.
 * {@code ?dryRun=true} (or {@code dry_run}) returns the diff without writing. By default apply only creates and
 * updates: providers and routes the file omits are kept, and listed in the diff as {@code delete} changes with
 * {@code applied: false}; {@code ?prune=true} deletes them. Keeping is the default because a partial file (one
 * provider, say) must not wipe the rest of the configuration unless the caller asks for it. A dry run refuses
 * exactly what a real run refuses: both read, check and validate the same way ({@link ApplyDocuments}).
 */
@Path("/admin/v1/apply")
@Produces(MediaType.APPLICATION_JSON)
public class ApplyResource {
    private final ApplyService apply;
    private final ApplyDocuments documents;
    private final AdminIdentity identity;

    public ApplyResource(ApplyService apply, ApplyDocuments documents, AdminIdentity identity) {
        this.apply = apply;
        this.documents = documents;
        this.identity = identity;
    }

    @POST
    @Consumes({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", MediaType.APPLICATION_JSON})
    public Uni<ApplyService.Result> apply(String body, @HeaderParam("Content-Type") String contentType,
                                          @QueryParam("dryRun") List<String> dryRun, @QueryParam("dry_run") List<String> dryRunSnake,
                                          @QueryParam("prune") List<String> prune) throws JsonProcessingException {
        boolean isDryRun = flag(dryRun, "dryRun", false) | flag(dryRunSnake, "dry_run", false);
        boolean isPrune = flag(prune, "prune", false);
        boolean isJson = contentType != null && contentType.toLowerCase().startsWith(MediaType.APPLICATION_JSON);
        return apply.apply(identity.actor(), documents.read(body, isJson), isDryRun, isPrune);
    }

    /** A boolean query parameter: absent, or exactly once {@code true} or {@code false}. */
    private static boolean flag(List<String> values, String param, boolean absent) {
        if (values == null || values.isEmpty()) {
            return absent;
        }
        if (values.size() == 1 && ("true".equals(values.get(0)) || "false".equals(values.get(0)))) {
            return "true".equals(values.get(0));
        }
        throw ApiException.badRequest(param + " must be true or false, given at most once.", param);
    }

}
