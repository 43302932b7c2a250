// Applying a UAPI set request to a Device and describing a Device as a UAPI get response.
#pragma once

#include <cstdint>

#include "dataplane/wireguard/device.h"
#include "dataplane/wireguard/uapi.h"

namespace anymesh::wg {

// Applies the device-independent parts (keys, peers, endpoints, allowed IPs, keepalives) in
// wireguard-go's order. listen_port and fwmark belong to the socket owner and are left to the caller.
// Keepalives the request triggers are appended to out. Returns 0 or a positive errno.
int apply_uapi_set(Device& device, const UapiSetRequest& request, Outbox& out);

UapiDeviceState uapi_state_of(Device& device, std::uint16_t listen_port, std::uint32_t fwmark);

}  // namespace anymesh::wg
