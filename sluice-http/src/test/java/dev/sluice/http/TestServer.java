package dev.sluice.http;

import dev.sluice.Context;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.concurrent.ArrayBlockingQueue;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An embedded Jetty 12 on 127.0.0.1, port 0, with admission control installed one of two ways and the
 * same application behind it, so one suite checks both forms.
 */
final class TestServer implements AutoCloseable {

    /** How admission control is installed. */
    enum Mode { SERVLET_FILTER, JETTY_HANDLER }

    /**
     * The application: given the path, the body it read and the request's context, an answer or an
     * exception. An answer starting {@code STATUS nnn} is sent with that status; one starting {@code ASYNC}
     * is finished later on another thread by calling the app again with {@code /async-complete}.
     */
    interface App {
        String handle(String path, byte[] body, Context context) throws Exception;
    }

    private final Server server;
    private final int port;

    TestServer(Mode mode, AdmissionControl admission, App app) throws Exception {
        // A bounded pool with a bounded queue: Jetty's default queue grows without bound.
        QueuedThreadPool pool = new QueuedThreadPool(48, 4, 30_000, new ArrayBlockingQueue<>(256));
        pool.setName("test-jetty");
        server = new Server(pool);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setIdleTimeout(10_000);
        server.addConnector(connector);
        if (mode == Mode.SERVLET_FILTER) {
            ServletContextHandler context = new ServletContextHandler();
            FilterHolder filter = new FilterHolder(admission.servletFilter());
            filter.setAsyncSupported(true);
            context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
            ServletHolder servlet = new ServletHolder(new AppServlet(app));
            servlet.setAsyncSupported(true);
            context.addServlet(servlet, "/*");
            server.setHandler(context);
        } else {
            server.setHandler(admission.jettyHandler(new AppHandler(app)));
        }
        server.start();
        port = connector.getLocalPort();
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not stop", e);
        }
    }

    private static final class AppServlet extends HttpServlet {
        private final App app;

        AppServlet(App app) {
            this.app = app;
        }

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            Context ctx = AdmissionControl.context(req);
            byte[] body = req.getInputStream().readAllBytes();
            String answer;
            try {
                answer = app.handle(req.getRequestURI(), body, ctx);
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            if (answer.startsWith("ASYNC")) {
                AsyncContext async = req.startAsync();
                async.setTimeout(10_000);
                async.start(() -> {
                    try {
                        String later = app.handle("/async-complete", new byte[0], ctx);
                        async.getResponse().getOutputStream().write(later.getBytes(StandardCharsets.UTF_8));
                    } catch (Exception e) {
                        ((HttpServletResponse) async.getResponse()).setStatus(500);
                    }
                    async.complete();
                });
                return;
            }
            if (answer.startsWith("STATUS ")) {
                resp.setStatus(Integer.parseInt(answer.substring(7, 10)));
            }
            resp.setContentType("text/plain");
            resp.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static final class AppHandler extends Handler.Abstract {
        private final App app;

        AppHandler(App app) {
            this.app = app;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            Context ctx = AdmissionControl.jettyContext(request);
            byte[] body;
            try (InputStream in = Content.Source.asInputStream(request)) {
                body = in.readAllBytes();
            }
            String answer = app.handle(request.getHttpURI().getPath(), body, ctx);
            if (answer.startsWith("ASYNC")) {
                request.getContext().execute(() -> {
                    try {
                        String later = app.handle("/async-complete", new byte[0], ctx);
                        Content.Sink.write(response, true, later, callback);
                    } catch (Exception e) {
                        callback.failed(e);
                    }
                });
                return true;
            }
            if (answer.startsWith("STATUS ")) {
                response.setStatus(Integer.parseInt(answer.substring(7, 10)));
            }
            Content.Sink.write(response, true, answer, callback);
            return true;
        }
    }
}
