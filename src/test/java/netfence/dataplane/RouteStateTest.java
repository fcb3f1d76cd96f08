package netfence.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The routes apply reads back, looked up by destination, gateway and device. */
class RouteStateTest {
  private static final String OURS = String.valueOf(RouteState.PROTOCOL);

  private static String routes(String... json) {
    return "[" + String.join(",", json) + "]";
  }

  @Test
  void aRouteIsFoundByDestinationGatewayAndDeviceWhateverItsProtocol() {
    var s = RouteState.parse("[]", routes(
        "{\"dst\":\"10.0.0.5\",\"dev\":\"vm5\",\"protocol\":\"110\"}",
        "{\"dst\":\"10.0.1.0/28\",\"gateway\":\"10.0.0.5\",\"dev\":\"vm5\",\"protocol\":\"boot\"}",
        "{\"dst\":\"default\",\"gateway\":\"192.0.2.1\",\"dev\":\"eth0\"}"), "[]");
    assertThat(s.hasRoute(new RouteState.Route("10.0.0.5/32", Optional.empty(), "vm5", OURS))).isTrue();
    assertThat(s.hasRoute(new RouteState.Route("10.0.1.0/28", Optional.of("10.0.0.5"), "vm5", OURS))).isTrue();
    assertThat(s.hasRoute(new RouteState.Route("10.0.0.5/32", Optional.empty(), "vm6", OURS))).isFalse();
    assertThat(s.hasRoute(new RouteState.Route("10.0.1.0/28", Optional.empty(), "vm5", OURS))).isFalse();
  }

  @Test
  void staleAreOnlyNetfencesRoutesNothingAsksFor() {
    var s = RouteState.parse("[]", routes(
        "{\"dst\":\"10.0.0.5\",\"dev\":\"vm5\",\"protocol\":\"110\"}",
        "{\"dst\":\"10.0.0.6\",\"dev\":\"vm6\",\"protocol\":\"110\"}",
        "{\"dst\":\"10.0.0.7\",\"dev\":\"vm7\",\"protocol\":\"static\"}"), "[]");
    var wanted = List.of(new RouteState.Route("10.0.0.5/32", Optional.empty(), "vm5", OURS));
    assertThat(s.staleOurs(wanted)).extracting(RouteState.Route::dst).containsExactly("10.0.0.6/32");
  }

  @Test
  void tenThousandWantedRoutesAgainstTenThousandPresentAreAllFound() {
    // Correctness at size (the old scan was quadratic); no timing asserted.
    var json = new ArrayList<String>();
    var wanted = new ArrayList<RouteState.Route>();
    for (int i = 0; i < 10_000; i++) {
      String dst = "10." + (i >> 8) + "." + (i & 255) + ".1";
      json.add("{\"dst\":\"" + dst + "\",\"dev\":\"vm" + i + "\",\"protocol\":\"110\"}");
      if (i % 2 == 0) wanted.add(new RouteState.Route(dst + "/32", Optional.empty(), "vm" + i, OURS));
    }
    var s = RouteState.parse("[]", routes(json.toArray(String[]::new)), "[]");
    assertThat(wanted).allMatch(s::hasRoute);
    assertThat(s.staleOurs(wanted)).hasSize(5_000).allMatch(r -> Integer.parseInt(r.dev().substring(2)) % 2 == 1);
  }
}
