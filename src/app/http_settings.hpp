// The [http] settings as the servers take them: one mapping, for ingest and the dashboard.
#pragma once

#include <cstddef>

#include "src/app/settings.hpp"
#include "src/net/http_server.hpp"

namespace tickflow {

inline HttpClientLimits client_limits(const HttpSettings& http) {
  HttpClientLimits l;
  l.connections_per_address = static_cast<std::size_t>(http.max_connections_per_address);
  l.websockets = static_cast<std::size_t>(http.max_websockets);
  l.websockets_per_address = static_cast<std::size_t>(http.max_websockets_per_address);
  l.websocket_queue_bytes = static_cast<std::size_t>(http.websocket_queue_bytes);
  return l;
}

}  // namespace tickflow
