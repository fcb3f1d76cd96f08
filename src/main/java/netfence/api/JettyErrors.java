package netfence.api;

import java.util.List;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * What Jetty refuses before a request reaches the API (a malformed request line, an ambiguous
 * URI such as {@code %2F} in a path, headers too large) is answered like the API's own refusals:
 * {@code {"errors": [...]}}, logged and counted.
 */
final class JettyErrors extends ErrorHandler {
  private final ApiMetrics metrics;
  private final Consumer<String> log;

  JettyErrors(ApiMetrics metrics, Consumer<String> log) {
    this.metrics = metrics;
    this.log = log;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status = request.getAttribute(ERROR_STATUS) instanceof Integer s ? s : response.getStatus();
    String message = request.getAttribute(ERROR_MESSAGE) instanceof String m && !m.isBlank() ? m : "HTTP " + status;
    String what = request.getMethod() + " " + Query.shown(request.getHttpURI().getPath());
    metrics.answered(status);
    log.accept("netfence: api: %s: %d: %s".formatted(what, status, Query.shown(message)));
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    Content.Sink.write(response, true, Api.errors(status, List.of(message)).body(), callback);
    return true;
  }
}
