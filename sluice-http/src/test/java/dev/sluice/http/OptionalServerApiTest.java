package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The servlet API and Jetty are both optional at run time: a Tomcat application has no Jetty, a plain
 * Jetty application may have no servlet API. Loads sluice-http in class loaders that see only one of them
 * and builds the form that one supports.
 */
class OptionalServerApiTest {

    private static URL where(Class<?> c) {
        return c.getProtectionDomain().getCodeSource().getLocation();
    }

    private static URLClassLoader loader(boolean servlet, boolean jetty) {
        List<URL> urls = new ArrayList<>(List.of(where(AdmissionControl.class), where(dev.sluice.Context.class)));
        if (servlet) {
            urls.add(where(jakarta.servlet.Filter.class));
        }
        if (jetty) {
            urls.add(where(org.eclipse.jetty.server.Handler.class));
            urls.add(where(org.eclipse.jetty.http.HttpFields.class));
            urls.add(where(org.eclipse.jetty.io.Content.class));
            urls.add(where(org.eclipse.jetty.util.Callback.class));
            urls.add(where(org.slf4j.LoggerFactory.class));
        }
        return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
    }

    /*
     * Calls go through method handles, which link one method each, as compiled code does; core
     * reflection (getMethod) would resolve the signatures of all of a class's methods at once.
     */

    private static Object build(ClassLoader cl) throws Throwable {
        Class<?> ac = Class.forName("dev.sluice.http.AdmissionControl", true, cl);
        Class<?> b = Class.forName("dev.sluice.http.AdmissionControl$Builder", true, cl);
        Object builder = MethodHandles.publicLookup().findStatic(ac, "builder", MethodType.methodType(b)).invoke();
        return MethodHandles.publicLookup().findVirtual(b, "build", MethodType.methodType(ac)).invoke(builder);
    }

    private static Object call(Object target, String method, Class<?> returns) throws Throwable {
        return MethodHandles.publicLookup().findVirtual(target.getClass(), method, MethodType.methodType(returns))
                .invoke(target);
    }

    @Test
    void servletFilterWorksWithoutJettyOnTheClassPath() throws Throwable {
        try (URLClassLoader cl = loader(true, false)) {
            assertThatThrownBy(() -> Class.forName("org.eclipse.jetty.server.Handler", false, cl))
                    .isInstanceOf(ClassNotFoundException.class);
            Object admission = build(cl);
            Class<?> filterType = Class.forName("jakarta.servlet.Filter", false, cl);
            Object filter = call(admission, "servletFilter", filterType);
            assertThat(filterType.isInstance(filter)).isTrue();
            Class<?> ac = admission.getClass();
            Object constructed = MethodHandles.publicLookup().findConstructor(
                    Class.forName("dev.sluice.http.AdmissionFilter", true, cl), MethodType.methodType(void.class, ac))
                    .invoke(admission);
            assertThat(filterType.isInstance(constructed)).isTrue();
            assertThat(call(admission, "stats", Class.forName("dev.sluice.http.AdmissionStats", false, cl)).toString())
                    .contains("requests=0");
        }
    }

    @Test
    void jettyHandlerWorksWithoutTheServletApiOnTheClassPath() throws Throwable {
        try (URLClassLoader cl = loader(false, true)) {
            assertThatThrownBy(() -> Class.forName("jakarta.servlet.Filter", false, cl))
                    .isInstanceOf(ClassNotFoundException.class);
            Object admission = build(cl);
            Class<?> wrapper = Class.forName("org.eclipse.jetty.server.Handler$Wrapper", false, cl);
            Object handler = call(admission, "jettyHandler", wrapper);
            assertThat(wrapper.isInstance(handler)).isTrue();
            Object constructed = MethodHandles.publicLookup().findConstructor(
                    Class.forName("dev.sluice.http.AdmissionHandler", true, cl),
                    MethodType.methodType(void.class, admission.getClass())).invoke(admission);
            assertThat(wrapper.isInstance(constructed)).isTrue();
            // Asking for the form whose API is missing fails clearly, naming the missing class.
            assertThatThrownBy(() -> Class.forName("dev.sluice.http.AdmissionFilter", true, cl))
                    .isInstanceOf(NoClassDefFoundError.class).hasMessageContaining("jakarta/servlet");
        }
    }
}
