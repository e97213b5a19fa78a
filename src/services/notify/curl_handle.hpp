// RAII for one libcurl easy handle (kept across sends so connections are reused) and the
// header/recipient lists it points at. libcurl's global set-up runs once per process.
#pragma once

#include <string>

#include <curl/curl.h>

namespace tickflow {

class CurlList {
 public:
  CurlList() = default;
  ~CurlList() { curl_slist_free_all(list_); }
  CurlList(const CurlList&) = delete;
  CurlList& operator=(const CurlList&) = delete;
  void add(const std::string& item) { list_ = curl_slist_append(list_, item.c_str()); }
  curl_slist* get() const noexcept { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

class CurlHandle {
 public:
  CurlHandle();
  ~CurlHandle();
  CurlHandle(const CurlHandle&) = delete;
  CurlHandle& operator=(const CurlHandle&) = delete;

  CURL* get() const noexcept { return curl_; }
  // The error text of the last transfer: libcurl's detail when it gave one.
  std::string error(CURLcode code) const;
  // Clears the options of the last transfer, keeps the connection cache.
  void reset();

 private:
  CURL* curl_ = nullptr;
  char error_[CURL_ERROR_SIZE] = {};
};

}  // namespace tickflow
