// httpd's request policy: static files per virtual host, conditional and range GET,
// PUT/DELETE under writable prefixes, the form handler, directory listings, access log.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/exchange.hpp"
#include "httpd/config.hpp"
#include "httpd/mime.hpp"
#include "httpd/path.hpp"

namespace httpd {

class FileCache;
class Shop;

class Site {
public:
    /// Opens every root and the access log, loads media types. Throws app::ConfigError.
    explicit Site(const Config& cfg);
    ~Site();
    Site(const Site&) = delete;
    Site& operator=(const Site&) = delete;

    /// Fills `resp` for one request. Never throws for client errors (they become 4xx).
    void handle(const http::ServerRequest& req, http::Response& resp) const;
    /// Before a request body is read: answers (and returns true) when the request will be
    /// refused anyway (405, 501, bad path), so that no body is read and no 100 Continue sent.
    bool refuse_early(const http::ServerRequest& req, http::Response& resp) const;
    /// Writes one Combined Log Format line to the access log (if any).
    void log(const http::LogEntry& e) const;
    /// Reopens the access log file (after rotation; SIGHUP).
    void reopen_log();

private:
    struct Root {
        std::vector<std::string> names;  // lower-case host names; empty for the default root
        std::string path;
        int fd = -1;
        int id = 0;
    };
    const Root& pick_root(std::string_view host) const;
    FileCache& cache() const;
    void serve_file(const http::ServerRequest& req, const Root& root, const SafePath& sp, http::Response& resp) const;
    void serve_form(const http::ServerRequest& req, const SafePath& sp, http::Response& resp) const;
    void put_file(const http::ServerRequest& req, const Root& root, const SafePath& sp, http::Response& resp) const;
    void delete_file(const http::Request& req, const Root& root, const SafePath& sp, http::Response& resp) const;
    void list_directory(const Root& root, const SafePath& sp, http::Response& resp) const;
    [[nodiscard]] bool writable(const std::string& url) const;
    [[nodiscard]] std::string allow_for(const std::string& url) const;

    Config cfg_;
    MimeTypes mime_;
    std::vector<Root> roots_;     // roots_[0] is the default
    std::unique_ptr<Shop> shop_;  // shop.enabled only
    std::atomic<int> log_fd_{-1};
    std::mutex retired_mu_;
    std::vector<int> retired_fds_;  // old log descriptors: a worker may still be writing to one
};

}  // namespace httpd
