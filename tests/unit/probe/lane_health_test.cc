// Specification of lane health: exact up/down transitions, hysteresis, RTT and loss estimates.
#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <vector>

#include "dataplane/probe/lane_health.h"

using namespace anymesh::probe;
using std::chrono::milliseconds;

namespace {

constexpr Nanos kInterval = milliseconds(10);

// Sends probes every interval on a manual clock and answers or drops them as a script says.
struct Wire {
  explicit Wire(const LaneHealthConfig& config = {}) : health(config) {}

  // One probe, answered after rtt; time then moves one interval on.
  void good(Nanos rtt = milliseconds(2)) {
    REQUIRE(health.on_sent(sequence, now));
    REQUIRE(health.on_echo(sequence, now, now + rtt) == EchoVerdict::answered);
    ++sequence;
    now += kInterval;
    health.advance(now);
  }
  // One probe that is never answered; time moves one interval on.
  void lost() {
    REQUIRE(health.on_sent(sequence, now));
    ++sequence;
    now += kInterval;
    health.advance(now);
  }
  // Lets every outstanding probe time out.
  void drain() {
    now += health.config().timeout + Nanos(1);
    health.advance(now);
  }
  void bring_up() {
    for (unsigned i = 0; i < health.config().goods_to_up; ++i) good();
    REQUIRE(health.is_up());
  }

  LaneHealth health;
  Nanos now = std::chrono::seconds(1);
  std::uint64_t sequence = 0;
};

}  // namespace

TEST_CASE("lane starts down and comes up after exactly five consecutive good probes") {
  Wire w;
  CHECK(w.health.state() == LaneState::down);
  for (int i = 0; i < 4; ++i) {
    w.good();
    CHECK_FALSE(w.health.is_up());
    CHECK(w.health.consecutive_goods() == static_cast<unsigned>(i + 1));
  }
  Nanos fifth_sent = w.now;
  w.good(milliseconds(3));
  CHECK(w.health.is_up());
  CHECK(w.health.state_since() == fifth_sent + milliseconds(3));  // when its echo arrived
  CHECK(w.health.counters().went_up == 1);
}

TEST_CASE("lane goes down exactly when the third consecutive probe times out") {
  Wire w;
  w.bring_up();
  Nanos first = w.now;
  REQUIRE(w.health.on_sent(w.sequence++, first));
  REQUIRE(w.health.on_sent(w.sequence++, first + kInterval));
  REQUIRE(w.health.on_sent(w.sequence++, first + 2 * kInterval));
  const Nanos timeout = w.health.config().timeout;

  w.health.advance(first + timeout);  // an echo arriving now would still count
  CHECK(w.health.consecutive_misses() == 0);
  w.health.advance(first + timeout + Nanos(1));
  CHECK(w.health.consecutive_misses() == 1);
  w.health.advance(first + kInterval + timeout + Nanos(1));
  CHECK(w.health.consecutive_misses() == 2);
  CHECK(w.health.is_up());
  const Nanos third_deadline = first + 2 * kInterval + timeout;
  w.health.advance(third_deadline);
  CHECK(w.health.is_up());
  w.health.advance(third_deadline + Nanos(1));
  CHECK(w.health.state() == LaneState::down);
  CHECK(w.health.state_since() == third_deadline + Nanos(1));
  CHECK(w.health.counters().went_down == 1);
  CHECK(w.health.counters().missed == 3);
  // With the defaults the break is detected within the 50 ms budget of probe_constants.h.
  CHECK(w.health.state_since() - first <= milliseconds(50));
}

TEST_CASE("lane thresholds follow the configuration") {
  LaneHealthConfig c;
  c.misses_to_down = 5;
  c.goods_to_up = 2;
  Wire w(c);
  w.good();
  CHECK_FALSE(w.health.is_up());
  w.good();
  CHECK(w.health.is_up());
  for (int i = 0; i < 4; ++i) w.lost();
  w.drain();
  CHECK(w.health.is_up());
  CHECK(w.health.consecutive_misses() == 4);
  w.lost();
  w.drain();
  CHECK_FALSE(w.health.is_up());
}

TEST_CASE("a good probe between misses resets the run: alternating loss never takes a lane down") {
  Wire w;
  w.bring_up();
  for (int i = 0; i < 200; ++i) {
    w.lost();
    w.good();
  }
  for (int i = 0; i < 100; ++i) {  // two in three lost is still never three in a row
    w.lost();
    w.lost();
    w.good();
  }
  w.drain();
  CHECK(w.health.is_up());
  CHECK(w.health.counters().went_down == 0);
  CHECK(w.health.counters().missed == 400);
}

TEST_CASE("a miss between goods resets the run: a down lane under alternating loss stays down") {
  Wire w;
  for (int i = 0; i < 100; ++i) {
    for (int k = 0; k < 4; ++k) w.good();
    w.lost();
  }
  w.drain();
  CHECK_FALSE(w.health.is_up());
  CHECK(w.health.counters().went_up == 0);
  // Five goods in a row then bring it up, once.
  for (int k = 0; k < 5; ++k) w.good();
  CHECK(w.health.is_up());
  CHECK(w.health.counters().went_up == 1);
}

TEST_CASE("a lane recovering from down needs the full run of goods, then stays up") {
  Wire w;
  w.bring_up();
  for (int i = 0; i < 3; ++i) w.lost();
  w.drain();
  REQUIRE_FALSE(w.health.is_up());
  for (int i = 0; i < 4; ++i) w.good();
  CHECK_FALSE(w.health.is_up());
  w.good();
  CHECK(w.health.is_up());
  CHECK(w.health.counters().went_down == 1);
  CHECK(w.health.counters().went_up == 2);
}

TEST_CASE("outcomes count in sequence order even when echoes overtake a lost probe") {
  Wire w;
  w.bring_up();
  Nanos t = w.now;
  std::uint64_t s = w.sequence;
  // s lost, s+1 answered before s times out, s+2 lost, s+3 lost: never three misses in a row.
  for (int i = 0; i < 4; ++i) REQUIRE(w.health.on_sent(s + i, t + i * kInterval));
  CHECK(w.health.on_echo(s + 1, t + kInterval, t + kInterval + milliseconds(1)) ==
        EchoVerdict::answered);
  CHECK(w.health.outstanding() == 4);  // s+1 waits for s to be decided
  w.health.advance(t + 10 * kInterval);
  CHECK(w.health.is_up());
  CHECK(w.health.consecutive_misses() == 2);
  CHECK(w.health.outstanding() == 0);
}

TEST_CASE("echoes are judged against the timeout: on time, late, repeated, unknown") {
  Wire w;
  const Nanos timeout = w.health.config().timeout;
  Nanos t = w.now;
  REQUIRE(w.health.on_sent(0, t));
  REQUIRE(w.health.on_sent(1, t + kInterval));
  REQUIRE(w.health.on_sent(2, t + 2 * kInterval));
  CHECK(w.health.on_echo(0, t, t + timeout) == EchoVerdict::answered);  // exactly at the limit
  CHECK(w.health.on_echo(0, t, t + timeout) == EchoVerdict::late);      // a repeat
  CHECK(w.health.on_echo(1, t + kInterval, t + kInterval + timeout + Nanos(1)) ==
        EchoVerdict::late);  // one ns past the limit: a miss, even before advance() ran
  CHECK(w.health.on_echo(2, t, t + 2 * kInterval) == EchoVerdict::unknown);  // wrong timestamp
  CHECK(w.health.on_echo(3, t, t + 3 * kInterval) == EchoVerdict::unknown);  // never sent
  CHECK(w.health.on_echo(2, t + 2 * kInterval, t + 2 * kInterval + milliseconds(1)) ==
        EchoVerdict::answered);
  CHECK(w.health.counters().answered == 2);
  CHECK(w.health.counters().missed == 1);
  CHECK(w.health.counters().late == 2);
  CHECK(w.health.counters().unknown == 2);
  CHECK(w.health.loss() == Approx(1.0 / 3.0));
}

TEST_CASE("on_sent accepts only the next sequence") {
  LaneHealth h;
  CHECK(h.on_sent(0, Nanos(10)));
  CHECK_FALSE(h.on_sent(2, Nanos(20)));
  CHECK_FALSE(h.on_sent(0, Nanos(20)));
  CHECK(h.on_sent(1, Nanos(20)));
  CHECK(h.counters().sent == 2);
  CHECK(h.counters().out_of_order_sends == 2);
}

TEST_CASE("RTT EWMA has gain 1/8 and starts at the first sample") {
  Wire w;
  CHECK_FALSE(w.health.rtt_ewma());
  std::vector<double> samples_ms = {8, 16, 16, 4, 12, 12, 12, 12};
  double model = -1;
  for (double ms : samples_ms) {
    Nanos rtt(static_cast<Nanos::rep>(ms * 1e6));
    w.good(rtt);
    model = model < 0 ? ms : model + (ms - model) / 8;
    REQUIRE(w.health.rtt_ewma());
    CHECK(std::chrono::duration<double, std::milli>(*w.health.rtt_ewma()).count() ==
          Approx(model).margin(1e-5));
  }
  CHECK(*w.health.rtt_min() == milliseconds(4));
}

TEST_CASE("minimum RTT is over the loss window, so an old low sample ages out") {
  LaneHealthConfig c;
  c.loss_window = 4;
  Wire w(c);
  w.good(milliseconds(1));
  for (int i = 0; i < 3; ++i) w.good(milliseconds(5));
  CHECK(*w.health.rtt_min() == milliseconds(1));
  w.good(milliseconds(6));
  CHECK(*w.health.rtt_min() == milliseconds(5));
}

TEST_CASE("loss is the share of misses among the last N decided probes") {
  LaneHealthConfig c;
  c.loss_window = 10;
  Wire w(c);
  CHECK(w.health.loss() == 0.0);
  w.lost();
  for (int i = 0; i < 3; ++i) w.good();
  w.drain();
  CHECK(w.health.decided_in_window() == 4);
  CHECK(w.health.loss() == Approx(0.25));
  for (int i = 0; i < 6; ++i) (i % 3 == 0 ? w.lost() : w.good());  // 2 more lost, window full
  w.drain();
  CHECK(w.health.decided_in_window() == 10);
  CHECK(w.health.loss() == Approx(0.3));
  for (int i = 0; i < 10; ++i) w.good();
  CHECK(w.health.loss() == 0.0);
  for (int i = 0; i < 10; ++i) w.lost();
  w.drain();
  CHECK(w.health.loss() == 1.0);
  CHECK_FALSE(w.health.rtt_min());
}

TEST_CASE("probes beyond the in-flight limit force the oldest to count as missed") {
  Wire w;
  for (std::uint64_t s = 0; s < kMaxProbesInFlight + 5; ++s) {
    REQUIRE(w.health.on_sent(s, w.now + s * Nanos(1)));  // no advance(): nothing times out
  }
  CHECK(w.health.outstanding() == kMaxProbesInFlight);
  CHECK(w.health.counters().missed == 5);
}

TEST_CASE("lane health refuses a bad configuration") {
  auto with = [](auto change) {
    LaneHealthConfig c;
    change(c);
    return c;
  };
  CHECK_THROWS_AS(LaneHealth(with([](auto& c) { c.timeout = Nanos(0); })), std::invalid_argument);
  CHECK_THROWS_AS(LaneHealth(with([](auto& c) { c.misses_to_down = 0; })), std::invalid_argument);
  CHECK_THROWS_AS(LaneHealth(with([](auto& c) { c.goods_to_up = 0; })), std::invalid_argument);
  CHECK_THROWS_AS(LaneHealth(with([](auto& c) { c.loss_window = 0; })), std::invalid_argument);
  CHECK_THROWS_AS(LaneHealth(with([](auto& c) { c.loss_window = kMaxLossWindow + 1; })),
                  std::invalid_argument);
  CHECK_THROWS_AS(LaneHealth(with([](auto& c) { c.rtt_ewma_shift = 17; })), std::invalid_argument);
  CHECK_NOTHROW(LaneHealth(with([](auto& c) { c.loss_window = kMaxLossWindow; })));
}
