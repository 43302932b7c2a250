// EmulatedFleet: one ClientBidiReactor per gateway with a write queue; the report schedule; watches.
#include "bench/controller/emulated_fleet.h"

#include <grpcpp/grpcpp.h>
#include <sodium.h>

#include <algorithm>
#include <deque>

namespace anymesh::bench {

class EmulatedFleet::Session final : public grpc::ClientBidiReactor<v1::GatewayMessage, v1::ControllerMessage> {
 public:
  Session(EmulatedFleet& fleet, std::uint32_t id) : fleet_(fleet), id_(id) {}

  void open(v1::Control::Stub& stub) {
    opened_ = true;
    stub.async()->Session(&context_, this);
    v1::GatewayMessage hello;
    hello.mutable_hello()->set_gateway_id(id_);
    send(std::move(hello));
    StartRead(&in_);
    StartCall();
  }
  void send(v1::GatewayMessage message) {
    std::lock_guard lock(mutex_);
    if (done_) return;
    queue_.push_back(std::move(message));
    if (queue_.size() == 1) StartWrite(&queue_.front());
  }
  void cancel() { context_.TryCancel(); }
  void wait_done() {
    if (!opened_) return;
    std::unique_lock lock(mutex_);
    done_changed_.wait(lock, [&] { return done_; });
  }
  bool acked() const { return acked_.load() != 0; }
  bool open_now() const {
    std::lock_guard lock(mutex_);
    return !done_;
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    const auto& s = in_.snapshot();
    fleet_.snapshots_ += 1;
    fleet_.snapshot_bytes_ += s.snapshot().size();
    // What a gateway does before it Acks, minus applying: the signature over the bytes, then parse.
    const bool signed_ok = s.signature().size() == crypto_sign_BYTES &&
                           crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(s.signature().data()),
                                                       reinterpret_cast<const unsigned char*>(s.snapshot().data()),
                                                       s.snapshot().size(), fleet_.pinned_.data()) == 0;
    v1::GatewaySnapshot snapshot;
    v1::GatewayMessage answer;
    if (signed_ok && snapshot.ParseFromString(s.snapshot()) && snapshot.version() == s.version()) {
      answer.mutable_ack()->set_version(snapshot.version());
      send(std::move(answer));
      acked_ = snapshot.version();
      fleet_.on_snapshot(id_, snapshot);
    } else {
      answer.mutable_nack()->set_version(s.version());
      answer.mutable_nack()->set_reason(signed_ok ? "does not parse" : "bad signature");
      send(std::move(answer));
      fleet_.nacks_ += 1;
    }
    StartRead(&in_);
  }
  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mutex_);
    queue_.pop_front();
    if (!ok) {
      queue_.clear();
      return;
    }
    if (!queue_.empty()) StartWrite(&queue_.front());
  }
  void OnDone(const grpc::Status&) override {
    std::lock_guard lock(mutex_);
    done_ = true;
    done_changed_.notify_all();
  }

 private:
  EmulatedFleet& fleet_;
  const std::uint32_t id_;
  grpc::ClientContext context_;
  v1::ControllerMessage in_;
  mutable std::mutex mutex_;
  std::condition_variable done_changed_;
  std::deque<v1::GatewayMessage> queue_;  // front: being written (deque keeps references on push_back)
  bool done_ = false;
  bool opened_ = false;
  std::atomic<std::uint64_t> acked_{0};
};

EmulatedFleet::EmulatedFleet(const MeshShape& shape, const std::string& address, const wg::Key& pinned,
                             std::uint32_t channels)
    : shape_(shape), pinned_(pinned) {
  channels = std::max<std::uint32_t>(1, std::min(channels, shape.gateways));
  for (std::uint32_t c = 0; c < channels; ++c) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a TCP connection per channel, as separate hosts have
    args.SetInt("anymesh.bench.channel", static_cast<int>(c));
    args.SetMaxReceiveMessageSize(64 << 20);
    channels_.push_back(grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
    stubs_.push_back(v1::Control::NewStub(channels_.back()));
  }
  for (std::uint32_t id = 1; id <= shape.gateways; ++id) sessions_.push_back(std::make_unique<Session>(*this, id));
}

EmulatedFleet::~EmulatedFleet() {
  stop_reports();
  for (auto& s : sessions_) s->cancel();
  for (auto& s : sessions_) s->wait_done();
}

void EmulatedFleet::connect() {
  for (std::size_t i = 0; i < sessions_.size(); ++i) sessions_[i]->open(*stubs_[i % stubs_.size()]);
}

std::size_t EmulatedFleet::acked_gateways() const {
  return static_cast<std::size_t>(std::count_if(sessions_.begin(), sessions_.end(), [](auto& s) { return s->acked(); }));
}

std::size_t EmulatedFleet::open_sessions() const {
  return static_cast<std::size_t>(std::count_if(sessions_.begin(), sessions_.end(), [](auto& s) { return s->open_now(); }));
}

v1::Report EmulatedFleet::report_of(std::uint32_t gateway) {
  v1::Report report;
  const std::uint32_t own = region_of(shape_, gateway);
  std::lock_guard lock(paths_mutex_);
  for (std::uint32_t peer = 1; peer <= shape_.gateways; ++peer) {
    if (peer == gateway) continue;
    const bool up = down_.count({gateway, peer}) == 0;
    const std::uint32_t other = region_of(shape_, peer);
    const std::uint64_t distance = own > other ? own - other : other - own;
    const std::uint64_t rtt = 2'000'000 + 1'000'000 * (distance % 40);  // 2 .. 41 ms, steady
    for (std::uint32_t lane = 0; lane < shape_.lanes; ++lane) {
      auto* l = report.add_lanes();
      l->set_peer(peer);
      l->set_lane(lane);
      l->set_up(up);
      l->set_rtt_ewma_ns(up ? rtt : 0);
      l->set_rtt_min_ns(up ? rtt : 0);
      l->set_loss(up ? 0.0 : 1.0);
    }
  }
  (*report.mutable_counters())["pipeline_outer_delivered"] = 0;
  return report;
}

void EmulatedFleet::set_path(std::uint32_t from, std::uint32_t to, bool up) {
  std::lock_guard lock(paths_mutex_);
  if (up) {
    down_.erase({from, to});
  } else {
    down_.insert({from, to});
  }
}

void EmulatedFleet::report_now(const std::vector<std::uint32_t>& gateways) {
  for (std::uint32_t id : gateways) {
    v1::GatewayMessage m;
    *m.mutable_report() = report_of(id);
    sessions_[id - 1]->send(std::move(m));
  }
}

void EmulatedFleet::report_loop(std::chrono::milliseconds interval) {
  // Gateway i reports at phase i/N of the interval, like gateways started at random times.
  const auto start = Clock::now();
  const std::uint32_t n = shape_.gateways;
  for (std::uint64_t k = 0; reporting_; ++k) {
    const std::uint32_t i = static_cast<std::uint32_t>(k % n);
    const auto due = start + interval * static_cast<std::int64_t>(k / n) + interval * static_cast<std::int64_t>(i) / n;
    const auto now = Clock::now();
    if (due > now) std::this_thread::sleep_for(std::min<Clock::duration>(due - now, std::chrono::milliseconds(50)));
    if (Clock::now() < due) {
      --k;  // woke early to check reporting_
      continue;
    }
    v1::GatewayMessage m;
    *m.mutable_report() = report_of(i + 1);
    sessions_[i]->send(std::move(m));
  }
}

void EmulatedFleet::start_reports(std::chrono::milliseconds interval) {
  if (reporting_.exchange(true)) return;
  reporter_ = std::thread([this, interval] { report_loop(interval); });
}

void EmulatedFleet::stop_reports() {
  reporting_ = false;
  if (reporter_.joinable()) reporter_.join();
}

void EmulatedFleet::watch(std::set<std::uint32_t> gateways, SnapshotCheck check) {
  std::lock_guard lock(watch_mutex_);
  watched_ = std::move(gateways);
  check_ = std::move(check);
  arrived_.clear();
  arrived_set_.clear();
  unwatched_acks_ = 0;
}

void EmulatedFleet::on_snapshot(std::uint32_t gateway, const v1::GatewaySnapshot& snapshot) {
  const auto now = Clock::now();
  std::lock_guard lock(watch_mutex_);
  if (!check_) return;
  if (watched_.count(gateway) == 0) {
    ++unwatched_acks_;
    return;
  }
  if (arrived_set_.count(gateway) == 0 && check_(gateway, snapshot)) {
    arrived_set_.insert(gateway);
    arrived_.emplace_back(gateway, now);
    if (arrived_set_.size() == watched_.size()) watch_changed_.notify_all();
  }
}

std::vector<std::pair<std::uint32_t, double>> EmulatedFleet::wait_watch(Clock::time_point since,
                                                                        std::chrono::milliseconds limit) {
  std::unique_lock lock(watch_mutex_);
  watch_changed_.wait_until(lock, since + limit, [&] { return arrived_set_.size() == watched_.size(); });
  std::vector<std::pair<std::uint32_t, double>> out;
  for (const auto& [id, at] : arrived_) {
    out.emplace_back(id, std::chrono::duration<double, std::milli>(at - since).count());
  }
  check_ = nullptr;
  return out;
}

}  // namespace anymesh::bench
