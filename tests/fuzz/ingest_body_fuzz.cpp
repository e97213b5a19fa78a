// libFuzzer target for ingest's handling of request bodies: NDJSON splitting, arrays,
// single objects, under each accepted content type. Any bytes must give a 200, 400 or
// 503 with a JSON answer, and exactly the records counted as accepted are on the bus.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <simdjson.h>

#include "src/bus/memory_bus.hpp"
#include "src/services/ingest/ingest_handler.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* types[] = {"application/json", "application/x-ndjson", "application/jsonl; charset=utf-8"};
  tickflow::MemoryBus bus;
  tickflow::IngestHandler handler(bus, tickflow::IngestOptions{}, [] { return 1767225600.0; });
  tickflow::HttpRequest req;
  req.method = "POST";
  req.target = "/ingest";
  req.content_type = types[data[0] % 3];
  req.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  tickflow::HttpResponse res = handler.handle(req);
  if (res.status != 200 && res.status != 400 && res.status != 503) std::abort();
  simdjson::dom::parser parser;
  simdjson::dom::element answer;
  if (parser.parse(res.body).get(answer)) std::abort();  // the answer is always valid JSON
  std::uint64_t accepted = 0;
  if (answer["accepted"].get_uint64().get(accepted) == simdjson::SUCCESS) {
    auto sub = bus.subscribe({"validated_data"}, "fuzz");
    std::uint64_t on_bus = 0;
    for (;;) {
      auto n = sub->poll(100000, std::chrono::milliseconds(0)).size();
      if (n == 0) break;
      on_bus += n;
    }
    if (on_bus != accepted) std::abort();
  }
  return 0;
}
