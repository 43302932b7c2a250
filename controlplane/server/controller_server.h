// ControllerServer: the gRPC server of the controller (the Control service on one listening address).
#pragma once

#include <memory>
#include <string>

#include "controlplane/server/control_service.h"

namespace grpc {
class Server;
}

namespace anymesh::server {

class ControllerServer {
 public:
  // `queries` (may be null: sessions and status only) must outlive the server.
  ControllerServer(GatewayLedger& ledger, ReportSink on_report, MeshQueries* queries = nullptr);
  ~ControllerServer();
  ControllerServer(const ControllerServer&) = delete;
  ControllerServer& operator=(const ControllerServer&) = delete;

  // "host:port"; port 0 picks a free one (see port()). Throws std::runtime_error when it cannot listen.
  void start(const std::string& listen_address);
  int port() const { return port_; }
  // Ends every session and stops listening; returns within about a second.
  void stop();

 private:
  GatewayLedger& ledger_;
  ControlService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace anymesh::server
