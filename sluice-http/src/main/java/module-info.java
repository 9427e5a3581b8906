/**
 * sluice-http: admission control for Java HTTP servers, as a Jakarta Servlet filter or a Jetty 12 handler.
 * Both server APIs are optional ({@code requires static}): bring the one your server uses. They are not
 * {@code transitive} on purpose, or every user would have to have both at compile time.
 */
module dev.sluice.http {
    requires transitive dev.sluice;
    requires static jakarta.servlet;
    requires static org.eclipse.jetty.server;

    exports dev.sluice.http;
}
