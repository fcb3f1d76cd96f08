package netfence.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import netfence.model.RoutedNetwork;
import netfence.policy.Port;

/**
 * The transition table of one VM interface: from its state and one event to
 * its next state and the actions that take it there. A pure function: no
 * kernel, no clock, no other interface; {@code TransitionTest} covers every
 * cell.
 *
 * <table>
 *   <caption>phases</caption>
 *   <tr><td>WANTED</td><td>desired; its filter elements are being installed (not yet acknowledged by the kernel)</td></tr>
 *   <tr><td>FILTERED</td><td>its elements are in the kernel; its tap does not exist</td></tr>
 *   <tr><td>CONFIGURING</td><td>elements in the kernel; its tap exists and is being configured</td></tr>
 *   <tr><td>APPLIED</td><td>elements in the kernel and its tap configured</td></tr>
 *   <tr><td>FAILED</td><td>an action failed (the reason says which); the full sync it asked for retries</td></tr>
 *   <tr><td>REMOVING</td><td>no longer desired; its elements are being removed (retried until gone)</td></tr>
 *   <tr><td>GONE</td><td>no longer desired, nothing of it in the kernel: forgotten</td></tr>
 * </table>
 *
 * <p>{@code expected} is what the kernel holds for the interface once the actions
 * issued so far are done, and {@code known} whether that can be relied on: after a
 * failed transaction, or when netfence's tables were changed by someone else, it
 * cannot, and only a full sync (which reads the kernel back) makes it known again.
 * Element changes are computed from {@code expected}, so they are never issued while
 * it is unknown. An interface is APPLIED only after the kernel acknowledged its
 * elements (a committed transaction, or a full sync) and its tap was configured.
 */
final class Transition {
  private Transition() {}

  enum Phase { WANTED, FILTERED, CONFIGURING, APPLIED, FAILED, REMOVING, GONE }

  /** What happens to one interface. */
  sealed interface Event {
    /** The desired state wants {@code port} here (new, or changed). */
    record Wanted(Port port) implements Event {}

    /** The desired state no longer has it. */
    record Unwanted() implements Event {}

    /** One element transaction issued for it committed ({@code ok}) or not (then nothing of it changed). */
    record ElementsDone(boolean ok, String why) implements Event {}

    /** Its tap appeared (or changed while existing). */
    record LinkUp() implements Event {}

    /** Its tap disappeared. */
    record LinkGone() implements Event {}

    /** The tap setup (attach, addresses, routes, sysctls) succeeded or not. */
    record SetupDone(boolean ok, String why) implements Event {}

    /** netfence's tables were found missing or changed by someone else: what the kernel holds is unknown. */
    record Unconfirmed(String why) implements Event {}

    /** A full sync read the kernel back and made it the desired state: elements there, an existing tap configured. */
    record Confirmed() implements Event {}

    /** A full sync failed. */
    record SyncFailed(String why) implements Event {}
  }

  /** Something to do in the kernel for one interface. */
  sealed interface Action {
    /** One interface's element changes, from what the kernel holds to what is desired (either may be empty). */
    record Elements(Optional<Port> from, Optional<Port> to) implements Action {}

    /** Configure its tap. */
    record Setup(Port port) implements Action {}

    /** Remove the routes netfence made to a routed VM whose tap exists. */
    record RemoveRoutes(Port port) implements Action {}
  }

  /** One interface's state. {@code pending}: element transactions issued and not yet answered. */
  record State(Phase phase, Optional<Port> desired, Optional<Port> expected, boolean known, int pending, String reason) {
    static final State NONE = new State(Phase.GONE, Optional.empty(), Optional.empty(), true, 0, "");

    State with(Phase p, String why) {
      return new State(p, desired, expected, known, pending, why);
    }
  }

  /** A step: the next state, the actions to take, and whether a full sync must run (something is unknown). */
  record Step(State state, List<Action> actions, boolean sync) {}

  /** The table. {@code linkExists}: whether the desired port's tap exists (observed). */
  static Step next(State s, boolean linkExists, Event e) {
    return switch (e) {
      case Event.Wanted w -> wanted(s, linkExists, w.port());
      case Event.Unwanted u -> unwanted(s, linkExists);
      case Event.ElementsDone d -> elementsDone(s, linkExists, d);
      case Event.LinkUp l -> s.phase() == Phase.FILTERED ? configure(s) : stay(s);
      case Event.LinkGone g -> s.phase() == Phase.CONFIGURING || s.phase() == Phase.APPLIED ? stay(s.with(Phase.FILTERED, "")) : stay(s);
      case Event.SetupDone d -> s.phase() != Phase.CONFIGURING ? stay(s)
          : d.ok() ? stay(s.with(linkExists ? Phase.APPLIED : Phase.FILTERED, ""))
          : new Step(s.with(Phase.FAILED, d.why()), List.of(), true);
      case Event.Unconfirmed u -> switch (s.phase()) {
        case GONE -> stay(s);
        // The tables it was in are gone or changed; a removal has nothing left to remove, or the sync removes it.
        case REMOVING -> new Step(new State(Phase.REMOVING, Optional.empty(), Optional.empty(), false, 0, u.why()), List.of(), true);
        case WANTED, FILTERED, CONFIGURING, APPLIED, FAILED ->
            new Step(new State(Phase.WANTED, s.desired(), Optional.empty(), false, 0, u.why()), List.of(), true);
      };
      case Event.Confirmed c -> switch (s.phase()) {
        case GONE, REMOVING -> stay(State.NONE);
        case WANTED, FILTERED, CONFIGURING, APPLIED, FAILED ->
            stay(new State(linkExists ? Phase.APPLIED : Phase.FILTERED, s.desired(), s.desired(), true, 0, ""));
      };
      case Event.SyncFailed f -> switch (s.phase()) {
        case GONE -> stay(s);
        case REMOVING -> stay(new State(Phase.REMOVING, s.desired(), s.expected(), false, 0, "sync: " + f.why()));
        case WANTED, FILTERED, CONFIGURING, APPLIED, FAILED -> stay(new State(Phase.FAILED, s.desired(), s.expected(), false, 0, "sync: " + f.why()));
      };
    };
  }

  private static Step wanted(State s, boolean linkExists, Port port) {
    boolean leaving = s.phase() == Phase.REMOVING || s.phase() == Phase.GONE;
    if (!leaving && s.desired().equals(Optional.of(port))) return stay(s);
    if (!s.known()) {
      // What the kernel holds is unknown: no diff can be computed; the sync installs it.
      return new Step(new State(Phase.WANTED, Optional.of(port), s.expected(), false, s.pending(), "waiting for a full sync"), List.of(), true);
    }
    var actions = new ArrayList<Action>();
    // A routed VM re-addressed, or moved to another tap: its old routes go (the setup adds the new ones).
    s.expected().filter(old -> !old.equals(port) && old.network() instanceof RoutedNetwork && (linkExists || !old.tap().equals(port.tap())))
        .ifPresent(old -> actions.add(new Action.RemoveRoutes(old)));
    actions.add(new Action.Elements(s.expected(), Optional.of(port)));
    return new Step(new State(Phase.WANTED, Optional.of(port), Optional.of(port), true, s.pending() + 1, ""), actions, false);
  }

  private static Step unwanted(State s, boolean linkExists) {
    if (s.phase() == Phase.GONE) return stay(s);
    if (!s.known()) return new Step(new State(Phase.REMOVING, Optional.empty(), s.expected(), false, s.pending(), "waiting for a full sync"),
        List.of(), true);
    if (s.expected().isEmpty()) return s.pending() == 0 ? stay(State.NONE) : stay(new State(Phase.REMOVING, Optional.empty(), Optional.empty(),
        true, s.pending(), ""));
    var actions = new ArrayList<Action>();
    Port old = s.expected().get();
    if (linkExists && old.network() instanceof RoutedNetwork) actions.add(new Action.RemoveRoutes(old));
    actions.add(new Action.Elements(s.expected(), Optional.empty()));
    return new Step(new State(Phase.REMOVING, Optional.empty(), Optional.empty(), true, s.pending() + 1, ""), actions, false);
  }

  private static Step elementsDone(State s, boolean linkExists, Event.ElementsDone d) {
    int pending = Math.max(0, s.pending() - 1);
    if (!d.ok()) {
      // The transaction changed nothing, but later ones were computed as if it had: only a sync knows.
      Phase p = s.desired().isPresent() ? Phase.FAILED : Phase.REMOVING;
      return new Step(new State(p, s.desired(), s.expected(), false, pending, "nft: " + d.why()), List.of(), true);
    }
    var now = new State(s.phase(), s.desired(), s.expected(), s.known(), pending, s.reason());
    if (pending > 0 || !s.known()) return stay(now);
    return switch (s.phase()) {
      case WANTED -> linkExists ? configure(now) : stay(now.with(Phase.FILTERED, ""));
      case REMOVING -> stay(State.NONE);
      case FILTERED, CONFIGURING, APPLIED, FAILED, GONE -> stay(now);
    };
  }

  private static Step configure(State s) {
    return new Step(s.with(Phase.CONFIGURING, ""), List.of(new Action.Setup(s.desired().orElseThrow())), false);
  }

  private static Step stay(State s) {
    return new Step(s, List.of(), false);
  }
}
