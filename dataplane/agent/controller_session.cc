// The gateway's controller session over gRPC: one stream at a time, snapshots checked before use.
#include "dataplane/agent/controller_session.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <utility>

#include "controlplane/proto/anymesh.grpc.pb.h"
#include "dataplane/agent/signed_snapshot.h"
#include "dataplane/agent/snapshot_loader.h"
#include "dataplane/agent/snapshot_store.h"

namespace anymesh::agent {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// A stream that stayed up this long was a real session, not a failed attempt: the next
// reconnection starts again from the initial backoff. (An up-to-date gateway may hear nothing.)
constexpr milliseconds kEstablishedAfter{1000};
// The envelope around the largest snapshot the loader takes.
constexpr int kMaxControllerMessageBytes = static_cast<int>(kMaxSnapshotBytes + 4096);

v1::GatewayMessage ack(std::uint64_t version) {
  v1::GatewayMessage message;
  message.mutable_ack()->set_version(version);
  return message;
}

v1::GatewayMessage nack(std::uint64_t version, std::string reason) {
  v1::GatewayMessage message;
  message.mutable_nack()->set_version(version);
  message.mutable_nack()->set_reason(std::move(reason));
  return message;
}

bool same_snapshot(const v1::SignedSnapshot& a, const v1::SignedSnapshot& b) {
  return a.version() == b.version() && a.snapshot() == b.snapshot() && a.signature() == b.signature();
}

std::shared_ptr<grpc::Channel> controller_channel(const std::string& address) {
  grpc::ChannelArguments args;
  // A channel of our own per attempt, not one shared from the process-wide pool: each attempt
  // really connects, on our backoff rather than gRPC's internal one.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(kMaxControllerMessageBytes);
  // A controller that vanished without closing the connection is noticed within ~15 s.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

}  // namespace

ReconnectBackoff::ReconnectBackoff(milliseconds initial, milliseconds max, std::uint64_t seed)
    : initial_(std::max(initial, milliseconds(1))),
      max_(std::max(max, initial_)),
      ceiling_(initial_),
      random_(seed) {}

milliseconds ReconnectBackoff::next() {
  std::uniform_int_distribution<milliseconds::rep> pick(ceiling_.count() / 2, ceiling_.count());
  milliseconds delay(pick(random_));
  ceiling_ = std::min(ceiling_ * 2, max_);
  return delay;
}

struct ControllerSession::Stream {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<v1::GatewayMessage, v1::ControllerMessage>> stream;
  std::mutex write_mutex;  // acks (session thread) and reports (reporter thread) share the stream
  bool closed = false;     // guarded by the session's mutex_

  bool write(const v1::GatewayMessage& message) {
    std::lock_guard lock(write_mutex);
    return stream->Write(message);
  }
};

ControllerSession::ControllerSession(ControllerSessionConfig config, ApplySnapshot apply, FillReport fill_report,
                                     std::optional<v1::SignedSnapshot> last_good)
    : config_(std::move(config)),
      apply_(std::move(apply)),
      fill_report_(std::move(fill_report)),
      backoff_(config_.backoff_initial, config_.backoff_max,
               std::random_device{}() ^ (std::uint64_t{config_.gateway_id} << 32)),
      applied_(std::move(last_good)) {
  if (applied_) status_.applied_version = applied_->version();
}

ControllerSession::~ControllerSession() { stop(); }

void ControllerSession::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void ControllerSession::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (open_context_ != nullptr) open_context_->TryCancel();
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

ControllerSessionStatus ControllerSession::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

bool ControllerSession::sleep_unless_stopped(milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, delay, [this] { return stopping_; });
}

void ControllerSession::run() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    if (run_stream()) backoff_.reset();
    if (!sleep_unless_stopped(backoff_.next())) return;
  }
}

bool ControllerSession::run_stream() {
  auto channel = controller_channel(config_.controller.address);
  auto stub = v1::Control::NewStub(channel);
  Stream stream;
  v1::GatewayMessage hello;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    open_context_ = &stream.context;
    hello.mutable_hello()->set_gateway_id(config_.gateway_id);
    hello.mutable_hello()->set_applied_version(status_.applied_version);
  }
  const auto started = Clock::now();
  bool heard = false;
  stream.stream = stub->Session(&stream.context);
  if (stream.write(hello)) {
    {
      std::lock_guard lock(mutex_);
      status_.connected = true;
      ++status_.connects;
    }
    std::thread reporter([this, &stream] { send_reports(stream); });
    v1::ControllerMessage message;
    while (stream.stream->Read(&message)) {
      heard = true;
      if (message.has_snapshot() && !stream.write(handle_snapshot(message.snapshot()))) break;
    }
    {
      std::lock_guard lock(mutex_);
      stream.closed = true;
      status_.connected = false;
    }
    wake_.notify_all();
    reporter.join();
  }
  {
    std::lock_guard lock(mutex_);
    open_context_ = nullptr;
  }
  // Finish blocks until the call is over: make sure it is, whichever side gave up.
  stream.context.TryCancel();
  stream.stream->Finish();
  return heard || Clock::now() - started >= kEstablishedAfter;
}

void ControllerSession::send_reports(Stream& stream) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (wake_.wait_for(lock, config_.report_interval, [&] { return stopping_ || stream.closed; })) return;
    const auto applied = status_.applied_version;
    lock.unlock();
    v1::GatewayMessage message;
    auto* report = message.mutable_report();
    if (fill_report_) fill_report_(*report);
    report->set_applied_version(applied);
    const bool sent = stream.write(message);
    lock.lock();
    if (!sent) return;
    ++status_.reports;
  }
}

v1::GatewayMessage ControllerSession::handle_snapshot(const v1::SignedSnapshot& signed_snapshot) {
  const auto version = signed_snapshot.version();
  std::uint64_t applied_version = 0;
  auto refuse = [&](std::string reason) {
    std::lock_guard lock(mutex_);
    ++status_.nacks;
    status_.last_nack = reason;
    return nack(version, std::move(reason));
  };
  {
    std::lock_guard lock(mutex_);
    if (applied_) {
      // A controller that lost track of us resends what we run: nothing to apply again.
      if (same_snapshot(*applied_, signed_snapshot)) {
        ++status_.acks;
        return ack(version);
      }
      applied_version = applied_->version();
    }
  }
  auto opened = open_signed_snapshot(signed_snapshot, config_.controller.public_key, config_.gateway_id,
                                     config_.probe_fallback);
  if (!opened) return refuse(opened.error().to_string());
  // Never back: an old snapshot, however well signed, may be a replay.
  if (applied_version != 0 && version <= applied_version) {
    return refuse("version: " + std::to_string(version) + " is not newer than the applied " +
                  std::to_string(applied_version));
  }
  auto snapshot = std::make_shared<const AppliedSnapshot>(std::move(*opened));
  {
    std::lock_guard lock(mutex_);
    ++status_.applies;
  }
  if (auto refused = apply_ ? apply_(snapshot) : std::nullopt) return refuse("apply: " + *refused);
  {
    std::lock_guard lock(mutex_);
    applied_ = signed_snapshot;
    status_.applied_version = version;
  }
  if (!config_.state_dir.empty()) {
    // It runs, but a restart would not find it: the operator must hear of it.
    if (auto problem = store_signed_snapshot(config_.state_dir, signed_snapshot)) {
      return refuse("state dir: applied but not persisted: " + *problem);
    }
  }
  std::lock_guard lock(mutex_);
  ++status_.acks;
  return ack(version);
}

}  // namespace anymesh::agent
