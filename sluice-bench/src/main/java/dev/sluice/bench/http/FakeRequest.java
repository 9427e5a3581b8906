package dev.sluice.bench.http;

/**
 * The least HTTP request the admission filter needs: a method, a path, a remote address, a few headers and
 * one attribute slot, all in fields, so the benchmark measures the filter and not a server. Everything the
 * filter does not call throws.
 */
@SuppressWarnings("deprecation")
final class FakeRequest implements jakarta.servlet.http.HttpServletRequest {

    private final String method;
    private final String uri;
    String remoteAddr;
    /** Header names and values, alternating. */
    String[] headers;
    private String name;
    private Object value;

    FakeRequest(String method, String uri, String remoteAddr, String... headers) {
        this.method = method;
        this.uri = uri;
        this.remoteAddr = remoteAddr;
        this.headers = headers;
    }

    /** Forgets the attribute the filter set, so the object can serve the next iteration as a new request. */
    void reset() {
        name = null;
        value = null;
    }

    @Override
    public java.lang.String getMethod() {
        return method;
    }

    @Override
    public java.lang.String getHeader(java.lang.String a0) {
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i].equalsIgnoreCase(a0)) {
                return headers[i + 1];
            }
        }
        return null;
    }

    @Override
    public java.lang.String getAuthType() {
        throw new UnsupportedOperationException("getAuthType");
    }

    @Override
    public jakarta.servlet.http.Cookie[] getCookies() {
        throw new UnsupportedOperationException("getCookies");
    }

    @Override
    public long getDateHeader(java.lang.String a0) {
        throw new UnsupportedOperationException("getDateHeader");
    }

    @Override
    public java.util.Enumeration<java.lang.String> getHeaderNames() {
        throw new UnsupportedOperationException("getHeaderNames");
    }

    @Override
    public int getIntHeader(java.lang.String a0) {
        throw new UnsupportedOperationException("getIntHeader");
    }

    @Override
    public java.lang.String getPathInfo() {
        throw new UnsupportedOperationException("getPathInfo");
    }

    @Override
    public java.lang.String getPathTranslated() {
        throw new UnsupportedOperationException("getPathTranslated");
    }

    @Override
    public java.lang.String getContextPath() {
        return "";
    }

    @Override
    public java.lang.String getQueryString() {
        throw new UnsupportedOperationException("getQueryString");
    }

    @Override
    public java.lang.String getRemoteUser() {
        throw new UnsupportedOperationException("getRemoteUser");
    }

    @Override
    public boolean isUserInRole(java.lang.String a0) {
        throw new UnsupportedOperationException("isUserInRole");
    }

    @Override
    public java.security.Principal getUserPrincipal() {
        throw new UnsupportedOperationException("getUserPrincipal");
    }

    @Override
    public java.lang.String getRequestedSessionId() {
        throw new UnsupportedOperationException("getRequestedSessionId");
    }

    @Override
    public java.lang.String getRequestURI() {
        return uri;
    }

    @Override
    public java.lang.StringBuffer getRequestURL() {
        throw new UnsupportedOperationException("getRequestURL");
    }

    @Override
    public java.lang.String getServletPath() {
        throw new UnsupportedOperationException("getServletPath");
    }

    @Override
    public jakarta.servlet.http.HttpSession getSession() {
        throw new UnsupportedOperationException("getSession");
    }

    @Override
    public jakarta.servlet.http.HttpSession getSession(boolean a0) {
        throw new UnsupportedOperationException("getSession");
    }

    @Override
    public java.lang.String changeSessionId() {
        throw new UnsupportedOperationException("changeSessionId");
    }

    @Override
    public boolean isRequestedSessionIdValid() {
        throw new UnsupportedOperationException("isRequestedSessionIdValid");
    }

    @Override
    public boolean isRequestedSessionIdFromCookie() {
        throw new UnsupportedOperationException("isRequestedSessionIdFromCookie");
    }

    @Override
    public boolean isRequestedSessionIdFromURL() {
        throw new UnsupportedOperationException("isRequestedSessionIdFromURL");
    }

    @Override
    public boolean authenticate(jakarta.servlet.http.HttpServletResponse a0) {
        throw new UnsupportedOperationException("authenticate");
    }

    @Override
    public void login(java.lang.String a0, java.lang.String a1) {
        throw new UnsupportedOperationException("login");
    }

    @Override
    public void logout() {
        throw new UnsupportedOperationException("logout");
    }

    @Override
    public java.util.Collection<jakarta.servlet.http.Part> getParts() {
        throw new UnsupportedOperationException("getParts");
    }

    @Override
    public jakarta.servlet.http.Part getPart(java.lang.String a0) {
        throw new UnsupportedOperationException("getPart");
    }

    @Override
    public <T extends jakarta.servlet.http.HttpUpgradeHandler> T upgrade(java.lang.Class<T> a0) {
        throw new UnsupportedOperationException("upgrade");
    }

    @Override
    public java.util.Enumeration<java.lang.String> getHeaders(java.lang.String a0) {
        throw new UnsupportedOperationException("getHeaders");
    }

    @Override
    public java.lang.String getScheme() {
        throw new UnsupportedOperationException("getScheme");
    }

    @Override
    public jakarta.servlet.ServletInputStream getInputStream() {
        throw new UnsupportedOperationException("getInputStream");
    }

    @Override
    public java.lang.String getProtocol() {
        throw new UnsupportedOperationException("getProtocol");
    }

    @Override
    public void setAttribute(java.lang.String a0, java.lang.Object a1) {
        name = a0;
        value = a1;
    }

    @Override
    public java.lang.Object getAttribute(java.lang.String a0) {
        return name != null && name.equals(a0) ? value : null;
    }

    @Override
    public java.util.Locale getLocale() {
        throw new UnsupportedOperationException("getLocale");
    }

    @Override
    public int getContentLength() {
        return -1;
    }

    @Override
    public java.lang.String getParameter(java.lang.String a0) {
        throw new UnsupportedOperationException("getParameter");
    }

    @Override
    public java.util.Enumeration<java.lang.String> getAttributeNames() {
        throw new UnsupportedOperationException("getAttributeNames");
    }

    @Override
    public java.lang.String getCharacterEncoding() {
        throw new UnsupportedOperationException("getCharacterEncoding");
    }

    @Override
    public void setCharacterEncoding(java.lang.String a0) {
        throw new UnsupportedOperationException("setCharacterEncoding");
    }

    @Override
    public java.util.Enumeration<java.lang.String> getParameterNames() {
        throw new UnsupportedOperationException("getParameterNames");
    }

    @Override
    public java.lang.String[] getParameterValues(java.lang.String a0) {
        throw new UnsupportedOperationException("getParameterValues");
    }

    @Override
    public java.util.Map<java.lang.String, java.lang.String[]> getParameterMap() {
        throw new UnsupportedOperationException("getParameterMap");
    }

    @Override
    public java.lang.String getServerName() {
        throw new UnsupportedOperationException("getServerName");
    }

    @Override
    public int getServerPort() {
        throw new UnsupportedOperationException("getServerPort");
    }

    @Override
    public java.io.BufferedReader getReader() {
        throw new UnsupportedOperationException("getReader");
    }

    @Override
    public java.lang.String getRemoteAddr() {
        return remoteAddr;
    }

    @Override
    public java.lang.String getRemoteHost() {
        throw new UnsupportedOperationException("getRemoteHost");
    }

    @Override
    public void removeAttribute(java.lang.String a0) {
        if (a0.equals(name)) {
            name = null;
            value = null;
        }
    }

    @Override
    public java.util.Enumeration<java.util.Locale> getLocales() {
        throw new UnsupportedOperationException("getLocales");
    }

    @Override
    public boolean isSecure() {
        throw new UnsupportedOperationException("isSecure");
    }

    @Override
    public jakarta.servlet.RequestDispatcher getRequestDispatcher(java.lang.String a0) {
        throw new UnsupportedOperationException("getRequestDispatcher");
    }

    @Override
    public int getRemotePort() {
        throw new UnsupportedOperationException("getRemotePort");
    }

    @Override
    public java.lang.String getLocalName() {
        throw new UnsupportedOperationException("getLocalName");
    }

    @Override
    public java.lang.String getLocalAddr() {
        throw new UnsupportedOperationException("getLocalAddr");
    }

    @Override
    public int getLocalPort() {
        throw new UnsupportedOperationException("getLocalPort");
    }

    @Override
    public jakarta.servlet.ServletContext getServletContext() {
        throw new UnsupportedOperationException("getServletContext");
    }

    @Override
    public jakarta.servlet.AsyncContext startAsync(jakarta.servlet.ServletRequest a0, jakarta.servlet.ServletResponse a1) {
        throw new UnsupportedOperationException("startAsync");
    }

    @Override
    public jakarta.servlet.AsyncContext startAsync() {
        throw new UnsupportedOperationException("startAsync");
    }

    @Override
    public boolean isAsyncStarted() {
        return false;
    }

    @Override
    public boolean isAsyncSupported() {
        throw new UnsupportedOperationException("isAsyncSupported");
    }

    @Override
    public jakarta.servlet.AsyncContext getAsyncContext() {
        throw new UnsupportedOperationException("getAsyncContext");
    }

    @Override
    public jakarta.servlet.DispatcherType getDispatcherType() {
        return jakarta.servlet.DispatcherType.REQUEST;
    }

    @Override
    public java.lang.String getRequestId() {
        throw new UnsupportedOperationException("getRequestId");
    }

    @Override
    public java.lang.String getProtocolRequestId() {
        throw new UnsupportedOperationException("getProtocolRequestId");
    }

    @Override
    public jakarta.servlet.ServletConnection getServletConnection() {
        throw new UnsupportedOperationException("getServletConnection");
    }

    @Override
    public long getContentLengthLong() {
        return -1;
    }

    @Override
    public java.lang.String getContentType() {
        throw new UnsupportedOperationException("getContentType");
    }
}
