#include "src/services/notify/curl_handle.hpp"

#include <mutex>
#include <stdexcept>

namespace tickflow {

CurlHandle::CurlHandle() {
  static std::once_flag global;
  std::call_once(global, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw std::runtime_error("libcurl: cannot create a handle");
  reset();
}

CurlHandle::~CurlHandle() { curl_easy_cleanup(curl_); }

void CurlHandle::reset() {
  curl_easy_reset(curl_);
  error_[0] = '\0';
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);  // several threads; no SIGALRM for timeouts
}

std::string CurlHandle::error(CURLcode code) const {
  std::string out = curl_easy_strerror(code);
  if (error_[0] != '\0' && out != error_) out += std::string(": ") + error_;
  return out;
}

}  // namespace tickflow
