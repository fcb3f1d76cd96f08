package netfence.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import netfence.agent.Transition.Action;
import netfence.agent.Transition.Event;
import netfence.agent.Transition.Phase;
import netfence.agent.Transition.State;
import netfence.policy.HostPolicy;
import netfence.policy.Port;
import netfence.testing.Examples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every cell of {@link Transition}'s table: each phase (with what the kernel is
 * believed to hold) against each event, with and without the tap. No kernel.
 */
class TransitionTest {
  private static final List<Port> BRIDGED = HostPolicy.of(Examples.load(Path.of("examples/uncloud-bridge.yaml")), "hv1").ports();
  private static final List<Port> ROUTED = HostPolicy.of(Examples.load(Path.of("examples/microvm-routed.yaml")), "hv1").ports();
  /** A port, and the same interface changed (another VM's addresses, same tap). */
  private static final Port P = BRIDGED.get(0);
  private static final Port P2 = new Port(P.vm(), P.index(), P.interfaceNumber(), P.network(), BRIDGED.get(1).iface());
  private static final Port R = ROUTED.get(0);

  private static final String E = "elements";
  private static final String S = "setup";
  private static final String RR = "remove routes";

  /** A state of each phase, as the agent reaches it. */
  static State state(Phase phase) {
    return switch (phase) {
      case WANTED -> new State(Phase.WANTED, Optional.of(P), Optional.of(P), true, 1, "");
      case FILTERED -> new State(Phase.FILTERED, Optional.of(P), Optional.of(P), true, 0, "");
      case CONFIGURING -> new State(Phase.CONFIGURING, Optional.of(P), Optional.of(P), true, 0, "");
      case APPLIED -> new State(Phase.APPLIED, Optional.of(P), Optional.of(P), true, 0, "");
      case FAILED -> new State(Phase.FAILED, Optional.of(P), Optional.of(P), false, 0, "nft: no such table");
      case REMOVING -> new State(Phase.REMOVING, Optional.empty(), Optional.empty(), true, 1, "");
      case GONE -> State.NONE;
    };
  }

  /** One cell: phase, event, tap exists, then the next phase, the actions and whether a full sync is asked for. */
  record Cell(Phase phase, Event event, boolean link, Phase next, List<String> actions, boolean sync) {
    @Override
    public String toString() {
      return phase + " + " + event.getClass().getSimpleName() + (link ? " (tap exists)" : "") + " -> " + next + " " + actions + (sync ? " + sync" : "");
    }
  }

  static Stream<Arguments> table() {
    var ok = new Event.ElementsDone(true, "");
    var fail = new Event.ElementsDone(false, "Error: Could not process rule");
    var setupOk = new Event.SetupDone(true, "");
    var setupFail = new Event.SetupDone(false, "ip: Cannot find device");
    var c = new ArrayList<Cell>();
    for (boolean link : new boolean[] {false, true}) {
      // Wanted: a changed port is installed by element changes from what the kernel holds.
      c.add(new Cell(Phase.GONE, new Event.Wanted(P), link, Phase.WANTED, List.of(E), false));
      for (Phase p : List.of(Phase.WANTED, Phase.FILTERED, Phase.CONFIGURING, Phase.APPLIED)) {
        c.add(new Cell(p, new Event.Wanted(P2), link, Phase.WANTED, List.of(E), false));
        c.add(new Cell(p, new Event.Wanted(P), link, p, List.of(), false)); // the same port: nothing to do
      }
      // Unknown kernel state: no diff, wait for the sync.
      c.add(new Cell(Phase.FAILED, new Event.Wanted(P2), link, Phase.WANTED, List.of(), true));
      c.add(new Cell(Phase.REMOVING, new Event.Wanted(P), link, Phase.WANTED, List.of(E), false));
      // Unwanted: its elements go.
      c.add(new Cell(Phase.GONE, new Event.Unwanted(), link, Phase.GONE, List.of(), false));
      for (Phase p : List.of(Phase.WANTED, Phase.FILTERED, Phase.CONFIGURING, Phase.APPLIED)) {
        c.add(new Cell(p, new Event.Unwanted(), link, Phase.REMOVING, List.of(E), false));
      }
      c.add(new Cell(Phase.FAILED, new Event.Unwanted(), link, Phase.REMOVING, List.of(), true));
      c.add(new Cell(Phase.REMOVING, new Event.Unwanted(), link, Phase.REMOVING, List.of(), false));
      // ElementsDone.
      c.add(new Cell(Phase.WANTED, ok, link, link ? Phase.CONFIGURING : Phase.FILTERED, link ? List.of(S) : List.of(), false));
      c.add(new Cell(Phase.WANTED, fail, link, Phase.FAILED, List.of(), true));
      c.add(new Cell(Phase.REMOVING, ok, link, Phase.GONE, List.of(), false));
      c.add(new Cell(Phase.REMOVING, fail, link, Phase.REMOVING, List.of(), true));
      for (Phase p : List.of(Phase.FILTERED, Phase.CONFIGURING, Phase.APPLIED)) {
        c.add(new Cell(p, ok, link, p, List.of(), false)); // a late answer changes nothing
        c.add(new Cell(p, fail, link, Phase.FAILED, List.of(), true));
      }
      c.add(new Cell(Phase.FAILED, ok, link, Phase.FAILED, List.of(), false));
      c.add(new Cell(Phase.GONE, ok, link, Phase.GONE, List.of(), false));
      // Links.
      c.add(new Cell(Phase.FILTERED, new Event.LinkUp(), true, Phase.CONFIGURING, List.of(S), false));
      for (Phase p : List.of(Phase.WANTED, Phase.CONFIGURING, Phase.APPLIED, Phase.FAILED, Phase.REMOVING, Phase.GONE)) {
        c.add(new Cell(p, new Event.LinkUp(), true, p, List.of(), false));
      }
      for (Phase p : List.of(Phase.CONFIGURING, Phase.APPLIED)) c.add(new Cell(p, new Event.LinkGone(), false, Phase.FILTERED, List.of(), false));
      for (Phase p : List.of(Phase.WANTED, Phase.FILTERED, Phase.FAILED, Phase.REMOVING, Phase.GONE)) {
        c.add(new Cell(p, new Event.LinkGone(), false, p, List.of(), false));
      }
      // Setup.
      c.add(new Cell(Phase.CONFIGURING, setupOk, link, link ? Phase.APPLIED : Phase.FILTERED, List.of(), false));
      c.add(new Cell(Phase.CONFIGURING, setupFail, link, Phase.FAILED, List.of(), true));
      for (Phase p : List.of(Phase.WANTED, Phase.FILTERED, Phase.APPLIED, Phase.FAILED, Phase.REMOVING, Phase.GONE)) {
        c.add(new Cell(p, setupOk, link, p, List.of(), false));
        c.add(new Cell(p, setupFail, link, p, List.of(), false));
      }
      // The tables were changed by someone else: nothing is known until a sync says so.
      for (Phase p : List.of(Phase.WANTED, Phase.FILTERED, Phase.CONFIGURING, Phase.APPLIED, Phase.FAILED)) {
        c.add(new Cell(p, new Event.Unconfirmed("gone"), link, Phase.WANTED, List.of(), true));
      }
      c.add(new Cell(Phase.REMOVING, new Event.Unconfirmed("gone"), link, Phase.REMOVING, List.of(), true));
      c.add(new Cell(Phase.GONE, new Event.Unconfirmed("gone"), link, Phase.GONE, List.of(), false));
      // A sync read the kernel back.
      for (Phase p : List.of(Phase.WANTED, Phase.FILTERED, Phase.CONFIGURING, Phase.APPLIED, Phase.FAILED)) {
        c.add(new Cell(p, new Event.Confirmed(), link, link ? Phase.APPLIED : Phase.FILTERED, List.of(), false));
        c.add(new Cell(p, new Event.SyncFailed("x"), link, Phase.FAILED, List.of(), false));
      }
      for (Phase p : List.of(Phase.REMOVING, Phase.GONE)) c.add(new Cell(p, new Event.Confirmed(), link, Phase.GONE, List.of(), false));
      c.add(new Cell(Phase.REMOVING, new Event.SyncFailed("x"), link, Phase.REMOVING, List.of(), false));
      c.add(new Cell(Phase.GONE, new Event.SyncFailed("x"), link, Phase.GONE, List.of(), false));
    }
    return c.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void everyCell(Cell cell) {
    var step = Transition.next(state(cell.phase()), cell.link(), cell.event());
    assertThat(step.state().phase()).as("next phase").isEqualTo(cell.next());
    assertThat(step.actions()).extracting(TransitionTest::kind).as("actions").containsExactlyElementsOf(cell.actions());
    assertThat(step.sync()).as("sync").isEqualTo(cell.sync());
  }

  @Test
  void theTableCoversEveryPhaseAndEveryEvent() {
    var cells = table().map(a -> (Cell) a.get()[0]).toList();
    for (Phase p : Phase.values()) {
      for (var kind : Event.class.getPermittedSubclasses()) {
        assertThat(cells).as("%s + %s", p, kind.getSimpleName()).anyMatch(c -> c.phase() == p && kind.isInstance(c.event()));
      }
    }
  }

  @Test
  void neverAppliedBeforeTheKernelAcknowledgedTheElements() {
    // Tap there from the start, the transaction not yet answered: a link event does not make it APPLIED.
    var s = Transition.next(State.NONE, true, new Event.Wanted(P)).state();
    s = Transition.next(s, true, new Event.LinkUp()).state();
    assertThat(s.phase()).isEqualTo(Phase.WANTED);
    // The transaction failed (no table): FAILED, unknown, and a sync is asked for, never APPLIED.
    var failed = Transition.next(s, true, new Event.ElementsDone(false, "No such file or directory"));
    assertThat(failed.state().phase()).isEqualTo(Phase.FAILED);
    assertThat(failed.state().known()).isFalse();
    assertThat(failed.sync()).isTrue();
    // Only the sync's confirmation brings it to APPLIED.
    assertThat(Transition.next(failed.state(), true, new Event.Confirmed()).state().phase()).isEqualTo(Phase.APPLIED);
  }

  @Test
  void changesAreComputedFromWhatTheKernelWillHoldAfterTheActionsAlreadyIssued() {
    // Wanted, then unwanted and wanted again before any answer: each diff starts where the last one ends.
    var a = Transition.next(State.NONE, false, new Event.Wanted(P));
    var b = Transition.next(a.state(), false, new Event.Unwanted());
    var c = Transition.next(b.state(), false, new Event.Wanted(P2));
    assertThat(((Action.Elements) a.actions().getFirst())).isEqualTo(new Action.Elements(Optional.empty(), Optional.of(P)));
    assertThat(((Action.Elements) b.actions().getFirst())).isEqualTo(new Action.Elements(Optional.of(P), Optional.empty()));
    assertThat(((Action.Elements) c.actions().getFirst())).isEqualTo(new Action.Elements(Optional.empty(), Optional.of(P2)));
    // Three answers: only the last makes it FILTERED.
    var s = c.state();
    assertThat(s.pending()).isEqualTo(3);
    s = Transition.next(s, false, new Event.ElementsDone(true, "")).state();
    s = Transition.next(s, false, new Event.ElementsDone(true, "")).state();
    assertThat(s.phase()).isEqualTo(Phase.WANTED);
    s = Transition.next(s, false, new Event.ElementsDone(true, "")).state();
    assertThat(s.phase()).isEqualTo(Phase.FILTERED);
  }

  @Test
  void aRoutedVmLeavesWithItsRoutesAndAMovedOneTakesThemAlong() {
    var applied = new State(Phase.APPLIED, Optional.of(R), Optional.of(R), true, 0, "");
    assertThat(Transition.next(applied, true, new Event.Unwanted()).actions()).extracting(TransitionTest::kind).containsExactly(RR, E);
    // Without its tap, no routes exist to remove.
    assertThat(Transition.next(applied, false, new Event.Unwanted()).actions()).extracting(TransitionTest::kind).containsExactly(E);
    var other = ROUTED.get(1);
    var moved = new Port(R.vm(), R.index(), R.interfaceNumber(), R.network(), other.iface());
    assertThat(Transition.next(applied, true, new Event.Wanted(moved)).actions()).extracting(TransitionTest::kind).containsExactly(RR, E);
  }

  private static String kind(Action a) {
    return switch (a) {
      case Action.Elements e -> E;
      case Action.Setup s -> S;
      case Action.RemoveRoutes r -> RR;
    };
  }
}
