// Building, starting and stopping the controller's gRPC server.
#include "controlplane/server/controller_server.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <stdexcept>

#include "dataplane/agent/snapshot_loader.h"

namespace anymesh::server {

ControllerServer::ControllerServer(GatewayLedger& ledger, ReportSink on_report, MeshQueries* queries)
    : ledger_(ledger), service_(ledger, std::move(on_report), queries) {}

ControllerServer::~ControllerServer() { stop(); }

void ControllerServer::start(const std::string& listen_address) {
  if (server_) throw std::logic_error("controller server started twice");
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen_address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service_);
  builder.SetMaxSendMessageSize(static_cast<int>(agent::kMaxSnapshotBytes + 4096));
  // Gateways ping every 10 s (keepalive); we ping them too, so a vanished gateway shows as gone.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  server_ = builder.BuildAndStart();
  if (!server_ || port == 0) {
    server_.reset();
    throw std::runtime_error("cannot listen on " + listen_address);
  }
  port_ = port;
}

void ControllerServer::stop() {
  if (!server_) return;
  ledger_.close_all();
  // Sessions were just cancelled; the deadline bounds any opened in between.
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  server_->Wait();
  server_.reset();
  port_ = 0;
}

}  // namespace anymesh::server
