package io.nexusai.service.rest;

/**
 * Whether this application serves JAX-RS resources with Quarkus REST: true for the control-plane services, false
 * for the gateway, whose Vert.x routes parse their own JSON and enforce their own limits. The beans of this package
 * that change the whole application (its ObjectMapper, its HTTP server) act only where it is true. (The gateway has
 * the RESTEasy Reactive core on its class path through the REST client, so the check is on the Quarkus REST server
 * extension itself.) A native executable answers {@code Class.forName} only for registered classes: each REST
 * service registers {@code EndpointDisabled} in its {@code config.ReflectionRegistrations}; the gateway must not.
 */
final class RestServer {
    static final boolean PRESENT = present("io.quarkus.resteasy.reactive.server.EndpointDisabled");

    private RestServer() {
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, RestServer.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
