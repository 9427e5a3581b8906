package dev.sluice.bench.http;

/**
 * The least HTTP response the admission filter needs: a status and a byte sink. Everything the filter does
 * not call throws.
 */
@SuppressWarnings("deprecation")
final class FakeResponse implements jakarta.servlet.http.HttpServletResponse {

    private int status = 200;
    String lastHeader;
    private final jakarta.servlet.ServletOutputStream out = new jakarta.servlet.ServletOutputStream() {
        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(jakarta.servlet.WriteListener listener) {
        }
    };

    void clear() {
        status = 200;
    }

    @Override
    public java.lang.String getHeader(java.lang.String a0) {
        throw new UnsupportedOperationException("getHeader");
    }

    @Override
    public java.util.Collection<java.lang.String> getHeaders(java.lang.String a0) {
        throw new UnsupportedOperationException("getHeaders");
    }

    @Override
    public void addCookie(jakarta.servlet.http.Cookie a0) {
        throw new UnsupportedOperationException("addCookie");
    }

    @Override
    public boolean containsHeader(java.lang.String a0) {
        throw new UnsupportedOperationException("containsHeader");
    }

    @Override
    public java.lang.String encodeURL(java.lang.String a0) {
        throw new UnsupportedOperationException("encodeURL");
    }

    @Override
    public java.lang.String encodeRedirectURL(java.lang.String a0) {
        throw new UnsupportedOperationException("encodeRedirectURL");
    }

    @Override
    public void sendError(int a0, java.lang.String a1) {
        throw new UnsupportedOperationException("sendError");
    }

    @Override
    public void sendError(int a0) {
        throw new UnsupportedOperationException("sendError");
    }

    @Override
    public void sendRedirect(java.lang.String a0, int a1, boolean a2) {
        throw new UnsupportedOperationException("sendRedirect");
    }

    @Override
    public void setDateHeader(java.lang.String a0, long a1) {
        throw new UnsupportedOperationException("setDateHeader");
    }

    @Override
    public void addDateHeader(java.lang.String a0, long a1) {
        throw new UnsupportedOperationException("addDateHeader");
    }

    @Override
    public void setHeader(java.lang.String a0, java.lang.String a1) {
        lastHeader = a1;
    }

    @Override
    public void addHeader(java.lang.String a0, java.lang.String a1) {
        throw new UnsupportedOperationException("addHeader");
    }

    @Override
    public void setIntHeader(java.lang.String a0, int a1) {
        throw new UnsupportedOperationException("setIntHeader");
    }

    @Override
    public void addIntHeader(java.lang.String a0, int a1) {
        throw new UnsupportedOperationException("addIntHeader");
    }

    @Override
    public void setStatus(int a0) {
        status = a0;
    }

    @Override
    public int getStatus() {
        return status;
    }

    @Override
    public java.util.Collection<java.lang.String> getHeaderNames() {
        throw new UnsupportedOperationException("getHeaderNames");
    }

    @Override
    public void reset() {
        throw new UnsupportedOperationException("reset");
    }

    @Override
    public void flushBuffer() {
    }

    @Override
    public java.util.Locale getLocale() {
        throw new UnsupportedOperationException("getLocale");
    }

    @Override
    public void setLocale(java.util.Locale a0) {
        throw new UnsupportedOperationException("setLocale");
    }

    @Override
    public void setContentType(java.lang.String a0) {
    }

    @Override
    public void setContentLength(int a0) {
    }

    @Override
    public java.lang.String getContentType() {
        throw new UnsupportedOperationException("getContentType");
    }

    @Override
    public java.io.PrintWriter getWriter() {
        throw new UnsupportedOperationException("getWriter");
    }

    @Override
    public jakarta.servlet.ServletOutputStream getOutputStream() {
        return out;
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
    public void setContentLengthLong(long a0) {
        throw new UnsupportedOperationException("setContentLengthLong");
    }

    @Override
    public void setBufferSize(int a0) {
        throw new UnsupportedOperationException("setBufferSize");
    }

    @Override
    public int getBufferSize() {
        throw new UnsupportedOperationException("getBufferSize");
    }

    @Override
    public void resetBuffer() {
    }

    @Override
    public boolean isCommitted() {
        return false;
    }
}
