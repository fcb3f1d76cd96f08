package netfence.api;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import netfence.state.StateService;
import netfence.store.Store;

/**
 * {@code GET /v1/events?since=R}: the change feed as NDJSON, one line per object change, first
 * the changes the store still has after {@code R} (read a page at a time, at the client's pace),
 * then each new commit as it happens, until the client goes away or the server stops.
 *
 * <pre>
 * {"revision":7,"kind":"vms","name":"web","body":{"host":"hv1",...}}
 * {"revision":8,"kind":"vms","name":"web","deleted":true}
 * {"revision":8}
 * </pre>
 *
 * <p>A line with a revision only is a bookmark: every change up to it has been sent. One comes
 * when the replay is done and then every heartbeat while nothing changes; writing it is also how
 * a client that went away is noticed. A client that reads more slowly than changes come is cut
 * off once {@link #BACKLOG} revisions wait for it; it resumes with {@code since} = the last revision
 * it saw, as after any disconnect.
 */
final class EventFeed {
  /** Feeds served at once; each holds a thread while it follows. */
  static final int MAX_FEEDS = 64;

  /** Revisions that may wait for a slow client before it is cut off. */
  static final int BACKLOG = 4096;

  /** Changes read from the store at a time while replaying. */
  static final int PAGE = 1000;

  private final StateService state;
  private final Duration heartbeat;
  private final Consumer<String> log;
  private final Semaphore slots = new Semaphore(MAX_FEEDS);
  private final Set<Thread> following = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  EventFeed(StateService state, Duration heartbeat, Consumer<String> log) {
    this.state = state;
    this.heartbeat = heartbeat;
    this.log = log;
  }

  /** What {@code GET /v1/events} answers: 410 when {@code since} is compacted (or ahead of the store), 503 when too many follow. */
  Api.Answer open(Optional<Long> since) throws Refusal {
    long from = since.orElseGet(state::revision);
    long now = state.revision();
    if (from > now) {
      throw new Refusal(410, ("since (%d) is ahead of the store's revision %d: the store was replaced or restored; "
          + "list the objects again and follow from the revision of that listing").formatted(from, now));
    }
    var first = page(from);
    if (first.isEmpty()) throw compacted(from);
    if (!slots.tryAcquire()) throw new Refusal(503, "%d change feeds are open, the most this service serves; retry later".formatted(MAX_FEEDS));
    return new Api.Stream(200, "application/x-ndjson", out -> {
      try {
        follow(out, from, first.get());
      } finally {
        slots.release();
      }
    });
  }

  private static Refusal compacted(long since) {
    return new Refusal(410, ("the changes after revision %d are compacted away: list the objects again (GET /v1/hosts, "
        + "/v1/networks, /v1/vms) and follow from the revision of that listing").formatted(since));
  }

  /**
   * The changes after {@code after}, whole revisions, oldest first; empty when compacted. The store
   * may cut one revision bigger than a page (an import); then the page grows until it holds it.
   */
  private Optional<List<Store.Event>> page(long after) {
    for (int limit = PAGE;; limit = Math.multiplyExact(limit, 2)) {
      var events = state.since(after, limit);
      if (events.isEmpty() || events.get().size() <= limit) return events;
    }
  }

  private void follow(OutputStream out, long since, List<Store.Event> first) throws IOException {
    following.add(Thread.currentThread());
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
      g.setRootValueSeparator(null);
      long at = write(g, since, first);
      // Replay at the client's pace, a page at a time.
      for (var next = page(at); ; next = page(at)) {
        if (next.isEmpty()) {
          log.accept("netfence: api: a change feed fell behind compaction while replaying after revision " + at + "; it ends");
          return;
        }
        if (next.get().isEmpty()) break;
        at = write(g, at, next.get());
      }
      bookmark(g, at);
      live(g, at);
    } finally {
      following.remove(Thread.currentThread());
    }
  }

  /** Follows new commits after {@code at}; returns when the client is gone, too slow, or the server stops. */
  private void live(JsonGenerator g, long at) throws IOException {
    var queue = new ArrayBlockingQueue<List<Store.Event>>(BACKLOG);
    var overflow = new AtomicBoolean();
    AutoCloseable feed;
    try {
      feed = state.feed(at, events -> {
        if (!overflow.get() && !queue.offer(events)) overflow.set(true);
      });
    } catch (Store.StoreException e) {
      log.accept("netfence: api: a change feed cannot follow after revision " + at + ": " + e.getMessage());
      return;
    }
    try {
      while (!closed) {
        List<Store.Event> events = queue.poll(heartbeat.toMillis(), TimeUnit.MILLISECONDS);
        if (events == null) {
          if (overflow.get()) {
            log.accept("netfence: api: a change feed client read too slowly (" + BACKLOG + " revisions waiting); cut off at revision " + at);
            return;
          }
          bookmark(g, at);
        } else {
          at = write(g, at, events);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        feed.close();
      } catch (Exception e) {
        log.accept("netfence: api: closing a change feed failed: " + e);
      }
    }
  }

  /** Writes the changes of revisions after {@code at}, then flushes; returns the last revision written. */
  private static long write(JsonGenerator g, long at, List<Store.Event> events) throws IOException {
    for (var e : events) {
      if (e.revision() <= at) continue; // already sent (the live feed may repeat the end of the replay)
      g.writeStartObject();
      g.writeNumberField("revision", e.revision());
      g.writeStringField("kind", e.kind().key());
      g.writeStringField("name", e.name());
      if (e.body().isPresent()) {
        g.writeFieldName("body");
        g.writeRawValue(e.body().get()); // canonical JSON, as the store holds it
      } else {
        g.writeBooleanField("deleted", true);
      }
      g.writeEndObject();
      g.writeRaw('\n');
    }
    g.flush();
    long last = at;
    for (var e : events) last = Math.max(last, e.revision());
    return last;
  }

  private static void bookmark(JsonGenerator g, long at) throws IOException {
    g.writeStartObject();
    g.writeNumberField("revision", at);
    g.writeEndObject();
    g.writeRaw('\n');
    g.flush();
  }

  /** Ends every feed: the server stops. */
  void close() {
    closed = true;
    following.forEach(Thread::interrupt);
  }
}
