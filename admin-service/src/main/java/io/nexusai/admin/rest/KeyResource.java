package io.nexusai.admin.rest;

import io.nexusai.admin.service.KeyService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code /admin/v1/keys/{id}}: operations on one key. */
@Path("/admin/v1/keys")
@Produces(MediaType.APPLICATION_JSON)
public class KeyResource {
    private final KeyService keys;

    public KeyResource(KeyService keys) {
        this.keys = keys;
    }

    /** Revokes a key; every gateway refuses it within a second. Idempotent. */
    @POST
    @Path("/{id}/revoke")
    public Uni<KeyView> revoke(@PathParam("id") String id) {
        return keys.revoke(id).map(KeyView::of);
    }
}
