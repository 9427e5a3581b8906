package dev.sluice.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A tiny HTTP/1.1 client over a raw socket, so tests control exactly what is sent and when (slow bodies,
 * lying Content-Lengths, half-sent requests) and need no client thread pool.
 */
final class RawHttp implements AutoCloseable {

    /** A parsed response. Header names are lower case. */
    record Reply(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    RawHttp(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(15_000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 8192);
    }

    /** One request on a new connection, closed afterwards. */
    static Reply send(int port, String method, String path, Map<String, String> headers, byte[] body) throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            c.writeHead(method, path, headers, body == null ? -1 : body.length, true);
            if (body != null) {
                c.write(body);
            }
            return c.readReply();
        }
    }

    static Reply get(int port, String path, Map<String, String> headers) throws IOException {
        return send(port, "GET", path, headers, null);
    }

    /** Writes a request head; {@code contentLength} -1 means none (chunked must then be given as a header). */
    void writeHead(String method, String path, Map<String, String> headers, long contentLength, boolean close)
            throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if (close) {
            sb.append("Connection: close\r\n");
        }
        if (contentLength >= 0) {
            sb.append("Content-Length: ").append(contentLength).append("\r\n");
        }
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    void write(byte[] data) throws IOException {
        out.write(data);
        out.flush();
    }

    void write(String data) throws IOException {
        write(data.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Reads one response: head, then a Content-Length body or, failing that, everything until EOF. */
    Reply readReply() throws IOException {
        String statusLine = readLine();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line; (line = readLine()) != null && !line.isEmpty(); ) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        byte[] body;
        String cl = headers.get("content-length");
        if (cl != null) {
            body = in.readNBytes(Integer.parseInt(cl));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (;;) {
                int size = Integer.parseInt(readLine().trim(), 16);
                if (size == 0) {
                    readLine();
                    break;
                }
                b.write(in.readNBytes(size));
                readLine();
            }
            body = b.toByteArray();
        } else {
            body = in.readAllBytes();
        }
        return new Reply(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (;;) {
            int c = in.read();
            if (c < 0) {
                return sb.isEmpty() ? null : sb.toString();
            }
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) c);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
