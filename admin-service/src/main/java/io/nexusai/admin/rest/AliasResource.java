package io.nexusai.admin.rest;

import io.nexusai.admin.service.AliasService;
import io.nexusai.admin.validation.Rules;
import io.nexusai.admin.view.AliasView;
import io.nexusai.api.openai.ApiException;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestResponse;

import java.util.List;

/**
 * {@code /admin/v1/aliases}: how the gateway serves each alias — selection strategy ({@code weighted} or
 * {@code latency}), failover attempts, and connect, first-byte, idle and total timeouts.
 */
@Path("/admin/v1/aliases")
@Produces(MediaType.APPLICATION_JSON)
public class AliasResource {
    private final AliasService aliases;
    private final AdminIdentity identity;

    public AliasResource(AliasService aliases, AdminIdentity identity) {
        this.aliases = aliases;
        this.identity = identity;
    }

    /** Stored policies; aliases not listed are served with the defaults. */
    @GET
    public Uni<List<AliasView>> list() {
        return aliases.list().map(l -> l.stream().map(AliasView::of).toList());
    }

    /** The alias's policy: the stored one, else the defaults ({@code configured: false}). */
    @GET
    @Path("/{alias: .+}")
    public Uni<AliasView> get(@PathParam("alias") String alias) {
        checkName(alias);
        return aliases.find(alias).map(a -> a == null ? AliasView.defaults(alias) : AliasView.of(a));
    }

    /** Creates or replaces the policy; omitted fields take their defaults. */
    @PUT
    @Path("/{alias: .+}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<AliasView> put(@PathParam("alias") String alias, @Valid @NotNull Requests.AliasPolicy body) {
        checkName(alias);
        return aliases.put(identity.actor(), alias, body).map(AliasView::of);
    }

    @DELETE
    @Path("/{alias: .+}")
    public Uni<RestResponse<Void>> delete(@PathParam("alias") String alias) {
        checkName(alias);
        return aliases.delete(identity.actor(), alias).map(v -> RestResponse.noContent());
    }

    private static void checkName(String alias) {
        if (!alias.matches(Rules.MODEL_NAME)) {
            throw ApiException.badRequest("The alias " + Rules.MODEL_NAME_MESSAGE + ".", "alias");
        }
    }
}
