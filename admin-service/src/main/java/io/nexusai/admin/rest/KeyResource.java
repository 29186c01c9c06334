package io.nexusai.admin.rest;

import io.nexusai.admin.service.KeyService;
import io.nexusai.admin.view.KeyView;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code /admin/v1/keys/{id}}: operations on one key (app or admin). */
@Path("/admin/v1/keys")
@Produces(MediaType.APPLICATION_JSON)
public class KeyResource {
    private final KeyService keys;
    private final AdminIdentity identity;

    public KeyResource(KeyService keys, AdminIdentity identity) {
        this.keys = keys;
        this.identity = identity;
    }

    @GET
    @Path("/{id}")
    public Uni<KeyView> get(@PathParam("id") String id) {
        return keys.get(id).map(KeyView::of);
    }

    /** Revokes a key; every gateway refuses it within a second. Idempotent. */
    @POST
    @Path("/{id}/revoke")
    public Uni<KeyView> revoke(@PathParam("id") String id) {
        return keys.revoke(identity.actor(), id).map(KeyView::of);
    }

    /** A new secret for the key (shown once in {@code key}); the old one stops working at once. */
    @POST
    @Path("/{id}/rotate")
    public Uni<KeyView> rotate(@PathParam("id") String id) {
        return keys.rotate(identity.actor(), id).map(s -> KeyView.withSecrets(s.key(), s.secret(), null));
    }

    /** Requires HMAC-signed requests from this app key; the new signing secret is shown once. */
    @POST
    @Path("/{id}/signing")
    public Uni<KeyView> enableSigning(@PathParam("id") String id) {
        return keys.signing(identity.actor(), id, true).map(s -> KeyView.withSecrets(s.key(), null, s.signingSecret()));
    }

    @DELETE
    @Path("/{id}/signing")
    public Uni<KeyView> disableSigning(@PathParam("id") String id) {
        return keys.signing(identity.actor(), id, false).map(s -> KeyView.of(s.key()));
    }
}
