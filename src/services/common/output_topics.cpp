#include "src/services/common/output_topics.hpp"

#include "src/log/named_logger.hpp"

namespace tickflow {

void ensure_output_topics(Bus& bus, const std::vector<std::string>& topics, std::string_view service) {
  if (auto s = bus.ensure_topics(topics); !s.ok) named_logger(std::string(service))->warn("{}", s.message);
}

}  // namespace tickflow
