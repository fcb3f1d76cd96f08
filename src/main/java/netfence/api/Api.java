package netfence.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import netfence.inventory.Diagnostic;
import netfence.inventory.LibvirtDomain;
import netfence.inventory.Names;
import netfence.state.Mutation;
import netfence.state.Result;
import netfence.state.StateService;
import netfence.store.Kind;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The routes of {@link Routes#ALL} over a {@link StateService}. Every request ends in one status
 * that is counted ({@code netfence_api_requests_total{code}}); every 4xx and 5xx carries
 * {@code {"errors": [...]}} and is logged. A change the state service committed is answered
 * 200/201 whatever happens after the commit.
 */
final class Api extends Handler.Abstract {
  static final int PAGE_DEFAULT = 1000;
  static final int PAGE_MAX = 10_000;
  static final Duration WAIT_DEFAULT = Duration.ofSeconds(10);
  static final Duration WAIT_MAX = Duration.ofSeconds(30);
  private static final Set<String> WRITE_PARAMETERS = Set.of("wait", "timeout");

  /** What a route answers: a small reply held in memory, or a stream written as it is produced. */
  sealed interface Answer {
    int status();
  }

  record Reply(int status, String contentType, String body) implements Answer {}

  /** Writes a response body; the stream is the response's. */
  interface Body {
    void write(OutputStream out) throws IOException;
  }

  record Stream(int status, String contentType, Body body) implements Answer {}

  private final StateService state;
  private final AgentView agent;
  private final Map<Connector, byte[]> tokens;
  private final ApiServer.Settings settings;
  private final Consumer<String> log;
  private final ApiMetrics metrics;
  private final EventFeed events;

  Api(StateService state, AgentView agent, Map<Connector, byte[]> tokens, ApiServer.Settings settings, ApiMetrics metrics,
      Consumer<String> log) {
    this.metrics = metrics;
    this.state = state;
    this.agent = agent;
    this.tokens = tokens;
    this.settings = settings;
    this.log = log;
    this.events = new EventFeed(state, settings.heartbeat(), log);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String method = request.getMethod();
    // The raw path: with its ;parameters and %-escapes, which the decoded path hides.
    String raw = request.getHttpURI().getPath();
    Answer answer;
    try {
      answer = route(request, method, raw);
    } catch (Refusal r) {
      answer = errors(r.status(), r.messages());
    } catch (Exception | StackOverflowError e) {
      var trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      log.accept("netfence: api: " + method + " " + Query.shown(raw) + ": internal error: " + trace.toString().strip());
      answer = errors(500, List.of("internal error: " + e + " (the service's log has the details)"));
    }
    metrics.answered(answer.status());
    if (answer.status() >= 400 && answer instanceof Reply r) logRefusal(method, raw, r);
    response.setStatus(answer.status());
    if (answer.status() == 401) response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
    switch (answer) {
      case Reply r -> {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, r.contentType());
        Content.Sink.write(response, true, r.body(), callback);
      }
      case Stream s -> {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, s.contentType());
        try (OutputStream out = Response.asBufferedOutputStream(request, response)) {
          s.body().write(out);
          callback.succeeded();
        } catch (IOException e) {
          callback.failed(e); // the client went away: nobody is left to tell
        } catch (RuntimeException e) {
          log.accept("netfence: api: " + method + " " + Query.shown(raw) + ": the response broke off: " + e);
          callback.failed(e);
        }
      }
    }
    return true;
  }

  private void logRefusal(String method, String raw, Reply r) {
    String first = "";
    int more = 0;
    try {
      JsonNode errors = Json.MAPPER.readTree(r.body()).path("errors");
      first = errors.path(0).asText();
      more = Math.max(0, errors.size() - 1);
    } catch (IOException e) {
      first = r.body();
    }
    log.accept("netfence: api: %s %s: %d: %s%s".formatted(method, Query.shown(raw), r.status(), first, more == 0 ? "" : " (and " + more + " more)"));
  }

  private Answer route(Request request, String method, String raw) throws Refusal, IOException {
    boolean scrape = raw.equals("/metrics");
    if (!(scrape && settings.metricsWithoutToken()) && !authorised(request)) {
      throw new Refusal(401, "this listener needs 'Authorization: Bearer TOKEN'");
    }
    Routes.Target target = Routes.parse(raw).orElseThrow(() -> new Refusal(404, "no such route: " + Query.shown(raw)));
    return switch (target) {
      case Routes.Fixed f -> fixed(request, method, f.path());
      case Routes.Objects o when o.name().isEmpty() -> page(request, method, o.kind());
      case Routes.Objects o -> object(request, method, o.kind(), o.name().get());
    };
  }

  private Answer fixed(Request request, String method, String path) throws Refusal, IOException {
    if (path.equals("/v1/libvirt/domains")) {
      allow(method, "POST", path);
      return libvirt(request);
    }
    allow(method, "GET", path);
    return switch (path) {
      case "/metrics" -> {
        var text = new StringBuilder();
        metrics.write(text, state);
        text.append(agent.metrics());
        yield new Reply(200, "text/plain; version=0.0.4; charset=utf-8", text.toString());
      }
      case "/v1/status" -> {
        Query.of(request, Set.of());
        long revision = state.revision();
        yield json(200, Json.MAPPER.writeValueAsString(new Status(revision, agent.state(Optional.empty()))));
      }
      case "/v1/inventory" -> {
        Query.of(request, Set.of());
        yield new Stream(200, "application/yaml; charset=utf-8", out -> {
          var w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
          InventoryExport.write(state, w);
          w.flush();
        });
      }
      case "/v1/events" -> {
        var q = Query.of(request, Set.of("since"));
        yield events.open(q.string("since").isPresent() ? Optional.of(q.integer("since", 0, Long.MAX_VALUE, 0)) : Optional.empty());
      }
      default -> throw new IllegalStateException("no handler for " + path);
    };
  }

  private static void allow(String method, String allowed, String path) throws Refusal {
    if (!method.equals(allowed)) throw new Refusal(405, method + " is not allowed on " + path + "; " + allowed + " is");
  }

  // ---- objects --------------------------------------------------------------------------

  /** A page of a kind's objects by name: {@code {"revision": R, "vms": {...}, "next": "NAME"}}, {@code next} when there are more. */
  private Answer page(Request request, String method, Kind kind) throws Refusal {
    allow(method, "GET", "/v1/" + kind.key());
    var q = Query.of(request, Set.of("after", "limit"));
    Optional<String> after = q.string("after").isPresent() ? Optional.of(Routes.name(kind.singular(), q.string("after").get())) : Optional.empty();
    int limit = (int) q.integer("limit", 1, PAGE_MAX, PAGE_DEFAULT);
    // The revision first: the page is at least as new as it, so following the feed from it misses nothing.
    long revision = state.revision();
    Map<String, String> page = state.list(kind, after, limit + 1);
    return new Stream(200, "application/json", out -> {
      try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
        g.writeStartObject();
        g.writeNumberField("revision", revision);
        g.writeObjectFieldStart(kind.key());
        int n = 0;
        String last = null;
        for (var e : page.entrySet()) {
          if (n++ == limit) break;
          g.writeFieldName(e.getKey());
          g.writeRawValue(e.getValue()); // canonical JSON, as stored
          last = e.getKey();
        }
        g.writeEndObject();
        if (page.size() > limit) g.writeStringField("next", last);
        g.writeEndObject();
      }
    });
  }

  private Answer object(Request request, String method, Kind kind, String name) throws Refusal, IOException {
    return switch (method) {
      case "GET" -> {
        Query.of(request, Set.of());
        long revision = state.revision();
        Optional<String> body = state.get(kind, name);
        if (body.isEmpty()) throw new Refusal(404, kind.key() + "/" + name + " does not exist");
        var o = Json.MAPPER.createObjectNode();
        o.put("name", name);
        o.put("revision", revision);
        o.set("body", Json.MAPPER.readTree(body.get()));
        yield json(200, o.toString());
      }
      case "PUT" -> {
        var wait = waitFor(Query.of(request, WRITE_PARAMETERS));
        String body = RequestBody.read(request, StateService.MAX_BODY);
        boolean existed = state.get(kind, name).isPresent();
        yield answer(submit(new Mutation.Put(kind, name, body)), existed ? 200 : 201, kind, name, wait, o -> {});
      }
      case "DELETE" -> {
        var wait = waitFor(Query.of(request, WRITE_PARAMETERS));
        yield answer(submit(new Mutation.Delete(kind, name)), 200, kind, name, wait, o -> {});
      }
      default -> throw new Refusal(405, method + " is not allowed on /v1/" + kind.key() + "/" + name + "; GET, PUT and DELETE are");
    };
  }

  /** {@code ?wait=applied[&timeout=T]}: how long to wait for the agent, when asked to. */
  private static Optional<Duration> waitFor(Query q) throws Refusal {
    String wait = q.oneOf("wait", Set.of("applied"), "");
    Duration timeout = q.duration("timeout", WAIT_MAX, WAIT_DEFAULT);
    if (wait.isEmpty() && q.string("timeout").isPresent()) throw new Refusal(400, "query parameter 'timeout' goes with wait=applied");
    return wait.isEmpty() ? Optional.empty() : Optional.of(timeout);
  }

  /**
   * Submits a change and waits for its outcome, at most the busy timeout while it is queued: a
   * change still queued then is withdrawn (503, nothing changed); one the state service has
   * already taken is waited for, as its outcome may be a commit.
   */
  private Result submit(Mutation m) throws Refusal {
    CompletableFuture<Result> f = state.submit(m);
    boolean interrupted = false;
    try {
      return f.get(settings.busyTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | InterruptedException e) {
      interrupted = e instanceof InterruptedException;
      if (state.withdraw(f)) {
        throw new Refusal(503, "the state service is busy: the change waited %d ms and was withdrawn; nothing was changed; retry"
            .formatted(settings.busyTimeout().toMillis()));
      }
      return f.join();
    } catch (ExecutionException e) {
      throw new IllegalStateException("the state service failed a request, which it never does", e.getCause());
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  /**
   * The answer to a write: its refusal, or the committed change. Nothing after the commit can turn
   * the answer into a failure: what cannot be added to it is logged and said in a {@code note}.
   */
  private Answer answer(Result r, int status, Kind kind, String name, Optional<Duration> wait, Consumer<ObjectNode> extra) {
    if (!r.ok()) return errors(r.status().http(), r.errors().stream().map(Diagnostic::toString).toList());
    var o = Json.MAPPER.createObjectNode();
    o.put("name", name);
    o.put("revision", r.revision());
    try {
      if (r.body().isPresent()) o.set("body", Json.MAPPER.readTree(r.body().get()));
      extra.accept(o);
      if (wait.isPresent()) enforcement(o, r.revision(), kind, name, wait.get());
    } catch (IOException | RuntimeException e) {
      log.accept("netfence: api: %s '%s' committed at revision %d, but its answer is incomplete: %s".formatted(kind.singular(), name, r.revision(), e));
      o.put("note", "committed at revision " + r.revision() + "; the rest of this answer could not be made: " + e);
    }
    return json(status, o.toString());
  }

  /** Waits for the agent to act on {@code revision} and adds {@code applied} and the agent's state (a VM's interfaces). */
  private void enforcement(ObjectNode o, long revision, Kind kind, String name, Duration timeout) {
    boolean applied;
    try {
      applied = agent.awaitApplied(revision, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      applied = false;
    }
    o.put("applied", applied);
    // A host or network change may touch every VM: its answer carries no interface list.
    var seen = agent.running() && kind != Kind.VMS ? new Status.AgentState(true, agent.appliedRevision(), List.of())
        : agent.state(Optional.of(name));
    o.set("agent", Json.MAPPER.valueToTree(seen));
  }

  // ---- the libvirt hook ----------------------------------------------------------------------

  /** {@code POST /v1/libvirt/domains?host=H[&routed-network=N][&unmanaged=error]}: the VM of a domain's XML, put. */
  private Answer libvirt(Request request) throws Refusal, IOException {
    var q = Query.of(request, Set.of("host", "routed-network", "unmanaged", "wait", "timeout"));
    String host = Routes.name("host", q.string("host").orElseThrow(() -> new Refusal(400, "query parameter 'host' is required: the host of the inventory this domain runs on")));
    Optional<String> routed = q.string("routed-network").isPresent() ? Optional.of(Routes.name("network", q.string("routed-network").get())) : Optional.empty();
    boolean strict = q.oneOf("unmanaged", Set.of("ignore", "error"), "ignore").equals("error");
    var wait = waitFor(q);
    String xml = RequestBody.read(request, StateService.MAX_BODY);
    LibvirtDomain domain;
    try {
      domain = LibvirtDomain.parse(xml);
    } catch (IllegalArgumentException e) {
      throw new Refusal(400, e.getMessage());
    }
    String name = domain.name();
    Optional<String> badName = Names.objectNameProblem("VM", name);
    if (badName.isPresent()) throw new Refusal(422, "domain " + Query.shown(name) + ": " + badName.get());
    Optional<JsonNode> stored = state.get(Kind.VMS, name).isPresent() ? Optional.of(Json.MAPPER.readTree(state.get(Kind.VMS, name).get())) : Optional.empty();
    var plan = LibvirtImport.plan(domain, host, routed, LibvirtImport.bridges(state.list(Kind.NETWORKS, Optional.empty(), Integer.MAX_VALUE)), stored);
    var notes = plan.unmanaged().stream().map(u -> u.describe(name)).toList();
    if (strict && !notes.isEmpty()) {
      var messages = new ArrayList<String>(notes);
      messages.add("domain " + name + " is refused: unmanaged=error (NETFENCE_UNMANAGED=error) refuses interfaces netfence does not manage");
      throw new Refusal(422, messages);
    }
    notes.forEach(n -> log.accept("netfence: api: " + n));
    Consumer<ObjectNode> unmanaged = o -> {
      var list = o.putArray("unmanaged");
      for (var u : plan.unmanaged()) {
        var e = list.addObject();
        e.put("interface", u.position());
        e.put("type", u.type());
        u.mac().ifPresent(m -> e.put("mac", m));
        e.put("why", u.why());
      }
    };
    if (plan.body().isEmpty()) {
      var o = Json.MAPPER.createObjectNode();
      o.put("name", name);
      o.put("revision", state.revision());
      unmanaged.accept(o);
      o.put("note", stored.isPresent() ? "no interface of domain " + name + " is netfence's; VM " + name + " stays in the store as it was (netfence vm rm " + name + " removes it)"
          : "no interface of domain " + name + " is netfence's; nothing was stored");
      return json(200, o.toString());
    }
    String body = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(plan.body().get());
    return answer(submit(new Mutation.Put(Kind.VMS, name, body)), stored.isPresent() ? 200 : 201, Kind.VMS, name, wait, unmanaged);
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private boolean authorised(Request request) {
    byte[] token = tokens.get(request.getConnectionMetaData().getConnector());
    if (token == null) return true;
    String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
    // Constant time: the token must not leak through response timing.
    return MessageDigest.isEqual(token, auth.substring(7).strip().getBytes(StandardCharsets.UTF_8));
  }

  private static Reply json(int status, String body) {
    return new Reply(status, "application/json", body);
  }

  static Reply errors(int status, List<String> messages) {
    var o = Json.MAPPER.createObjectNode();
    var arr = o.putArray("errors");
    messages.forEach(arr::add);
    return json(status, o.toString());
  }

  /** Ends the change feeds: the server stops. */
  void close() {
    events.close();
  }
}
