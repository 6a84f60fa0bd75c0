#include "httpd/site.hpp"

#include "http/text.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "fs/open.hpp"
#include "http/response.hpp"
#include "http/url.hpp"
#include "httpd/conditional.hpp"
#include "httpd/files.hpp"
#include "httpd/shop.hpp"

namespace httpd {

namespace {

using http::ascii_lower;

// Host without port: "www.a.edu:8080" -> "www.a.edu", "[::1]:80" -> "[::1]".
std::string_view host_name(std::string_view host) {
    if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
    return host.substr(0, host.find(':'));
}

int errno_status(int err) {
    switch (err) {
        case ENOENT:
        case ENOTDIR:
        case ENAMETOOLONG: return 404;
        case EXDEV:  // RESOLVE_BENEATH: the path (or a symlink in it) leaves the root
        case ELOOP:
        case EACCES:
        case EPERM: return 403;
        default: return 500;
    }
}

bool is_urlencoded(std::string_view content_type) {
    const auto semi = content_type.find(';');
    std::string_view t = content_type.substr(0, semi);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    return t.empty() || http::iequals(t, "application/x-www-form-urlencoded");
}

// RFC 9110 14.5: a PUT with Content-Range is a partial update we do not do; applying it as
// the whole file would replace the file with the fragment. True: `resp` is the 400.
bool refuse_partial_put(const http::Request& req, http::Response& resp) {
    if (req.method != http::Method::put || !req.has_header("Content-Range")) return false;
    http::set_error(resp, 400, "PUT with Content-Range (a partial update) is not supported.");
    return true;
}

std::atomic<int> g_root_ids{0};

}  // namespace

Site::Site(const Config& cfg) : cfg_(cfg) {
    if (!mime_.load(cfg_.mime_types)) throw app::ConfigError("httpd.mime_types: cannot read " + cfg_.mime_types);
    for (const auto& line : cfg_.types) mime_.parse(line);
    auto open_root = [](const std::string& path) {
        const int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) throw app::ConfigError("root " + path + ": " + std::strerror(errno));
        return fd;
    };
    roots_.push_back({{}, cfg_.root, open_root(cfg_.root), g_root_ids++});
    for (const auto& vh : cfg_.vhosts) {
        Root r{{}, vh.root, open_root(vh.root), g_root_ids++};
        for (const auto& n : vh.names) r.names.push_back(ascii_lower(n));
        roots_.push_back(std::move(r));
    }
    if (cfg_.shop.enabled) {
        try {
            shop_ = std::make_unique<Shop>(cfg_.shop);
        } catch (const std::runtime_error& e) {
            throw app::ConfigError(std::string("shop.store: ") + e.what());
        }
    }
    reopen_log();
}

Site::~Site() {
    for (const auto& r : roots_) ::close(r.fd);
    const int fd = log_fd_.exchange(-1);
    if (fd > 2) ::close(fd);
    for (const int old : retired_fds_) ::close(old);
}

void Site::reopen_log() {
    int fd = -1;
    if (cfg_.access_log == "-") {
        fd = 1;
    } else if (!cfg_.access_log.empty()) {
        fd = ::open(cfg_.access_log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) throw app::ConfigError("httpd.access_log " + cfg_.access_log + ": " + std::strerror(errno));
    }
    const int old = log_fd_.exchange(fd);
    // Not closed now: another thread may be inside write() on it. One descriptor per SIGHUP.
    if (old > 2) {
        const std::lock_guard lock(retired_mu_);
        retired_fds_.push_back(old);
    }
}

void Site::log(const http::LogEntry& e) const {
    const int fd = log_fd_.load(std::memory_order_relaxed);
    if (fd < 0) return;
    thread_local std::string line;
    line.clear();
    http::format_combined_log(e, line);
    line.push_back('\n');
    // One write(2) per line on an O_APPEND descriptor: lines from several threads never interleave.
    const ssize_t n = ::write(fd, line.data(), line.size());
    (void)n;
}

FileCache& Site::cache() const {
    // Shared-nothing workers: each thread has its own cache, no locks on the hot path.
    thread_local std::unique_ptr<FileCache> t_cache;
    thread_local const Site* t_owner = nullptr;
    if (!t_cache || t_owner != this) {
        t_cache = std::make_unique<FileCache>(cfg_.cache_entries, cfg_.cache_file_max, mime_, cfg_.default_type,
                                              cfg_.cache_valid_ms, cfg_.cache_bytes);
        t_owner = this;
    }
    return *t_cache;
}

const Site::Root& Site::pick_root(std::string_view host) const {
    if (roots_.size() > 1) {
        const std::string h = ascii_lower(host_name(host));
        for (std::size_t i = 1; i < roots_.size(); ++i)
            for (const auto& n : roots_[i].names)
                if (n == h) return roots_[i];
    }
    return roots_[0];
}

bool Site::writable(const std::string& url) const {
    return std::any_of(cfg_.writable.begin(), cfg_.writable.end(),
                       [&](const std::string& p) { return !p.empty() && url.starts_with(p); });
}

std::string Site::allow_for(const std::string& url) const {
    if (std::find(cfg_.forms.begin(), cfg_.forms.end(), url) != cfg_.forms.end()) return "GET, HEAD, POST, OPTIONS";
    return writable(url) ? "GET, HEAD, PUT, DELETE, OPTIONS" : "GET, HEAD, OPTIONS";
}

bool Site::refuse_early(const http::ServerRequest& rq, http::Response& resp) const {
    const http::Request& req = rq.head;
    using http::Method;
    if (shop_ && shop_->owns(req.path())) {
        if (req.method == Method::get || req.method == Method::head || req.method == Method::post) return false;
        shop_->handle(rq, resp);
        return true;
    }
    if (req.method != Method::post && req.method != Method::put && req.method != Method::del) {
        if (req.method != Method::other) return false;
        handle(rq, resp);
        return true;
    }
    const SafePath sp = resolve_path(req.path());
    if (sp.error != PathError::none) {
        http::set_error(resp, status_for(sp.error));
        return true;
    }
    const bool form = std::find(cfg_.forms.begin(), cfg_.forms.end(), sp.url) != cfg_.forms.end();
    const bool allowed = req.method == Method::post ? form : writable(sp.url);
    if (allowed) return refuse_partial_put(req, resp);
    http::set_error(resp, 405);
    resp.add_header("Allow", allow_for(sp.url));
    return true;
}

void Site::handle(const http::ServerRequest& rq, http::Response& resp) const {
    const http::Request& req = rq.head;
    using http::Method;
    if (req.method == Method::other) {
        // RFC 9110 9.1: a method we do not implement.
        http::set_error(resp, 501, "Method not implemented.");
        return;
    }
    if (shop_ && shop_->owns(req.path())) {
        shop_->handle(rq, resp);
        return;
    }
    if (req.method == Method::options && req.target == "*") {
        resp.status = 204;
        resp.add_header("Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
        return;
    }
    const SafePath sp = resolve_path(req.path());
    if (sp.error != PathError::none) {
        http::set_error(resp, status_for(sp.error));
        return;
    }
    const Root& root = pick_root(req.host);
    const bool form = std::find(cfg_.forms.begin(), cfg_.forms.end(), sp.url) != cfg_.forms.end();
    switch (req.method) {
        case Method::get:
        case Method::head:
            if (form) serve_form(rq, sp, resp);
            else serve_file(rq, root, sp, resp);
            return;
        case Method::post:
            if (form) {
                serve_form(rq, sp, resp);
                return;
            }
            break;
        case Method::put:
            if (writable(sp.url)) {
                put_file(rq, root, sp, resp);
                return;
            }
            break;
        case Method::del:
            if (writable(sp.url)) {
                delete_file(req, root, sp, resp);
                return;
            }
            break;
        case Method::options:
            resp.status = 204;
            resp.add_header("Allow", allow_for(sp.url));
            return;
        default: break;
    }
    // RFC 9110 15.5.6: 405 lists what the resource does allow.
    http::set_error(resp, 405);
    resp.add_header("Allow", allow_for(sp.url));
}

void Site::serve_file(const http::ServerRequest& rq, const Root& root, const SafePath& sp, http::Response& resp) const {
    const http::Request& req = rq.head;
    auto& fc = cache();
    // HEAD opens the file too: the driver takes Content-Length from the body it would send.
    const bool want_fd = true;
    auto r = fc.get(root.fd, root.id, sp.relative, want_fd);
    if (r.error != 0) {
        http::set_error(resp, errno_status(r.error));
        return;
    }
    if (r.meta->directory) {
        if (!sp.directory) {
            // RFC 9110 15.4.2: the resource is the directory; relative links need the slash.
            http::set_error(resp, 301);
            std::string loc = http::percent_encode(sp.url) + "/";
            const auto q = req.target.find('?');
            if (q != std::string_view::npos) loc += req.target.substr(q);
            resp.add_header("Location", loc);
            return;
        }
        auto idx = fc.get(root.fd, root.id, sp.relative + cfg_.index, want_fd);
        if (idx.error == 0 && idx.meta->regular) {
            r = std::move(idx);
        } else if (cfg_.listing) {
            list_directory(root, sp, resp);
            return;
        } else {
            http::set_error(resp, idx.error == 0 || idx.error == ENOENT ? 403 : errno_status(idx.error));
            return;
        }
    } else if (sp.directory) {
        http::set_error(resp, 404);  // "file.html/" names no directory
        return;
    }
    const FileMeta& m = *r.meta;
    if (!m.regular) {
        http::set_error(resp, 403);  // devices, FIFOs, sockets
        return;
    }
    const Decision d = decide(req, {m.size, m.mtime.tv_sec, m.etag});
    if (d.status == 412) {
        http::set_error(resp, 412);
        return;
    }
    if (d.status == 416) {
        http::set_error(resp, 416);
        resp.add_header("Content-Range", "bytes */" + std::to_string(m.size));
        return;
    }
    resp.status = d.status;
    resp.fields += m.validator_fields;
    if (d.status == 304) return;
    resp.fields += m.entity_fields;
    std::uint64_t offset = 0, length = m.size;
    if (d.status == 206) {
        offset = d.range.first;
        length = d.range.length();
        resp.add_header("Content-Range", "bytes " + std::to_string(d.range.first) + "-" + std::to_string(d.range.last) +
                                             "/" + std::to_string(m.size));
    }
    // The cached bytes go out as they are, kept alive by the entry (no copy per request).
    if (m.has_data)
        resp.set_shared(r.meta, std::string_view(m.data).substr(static_cast<std::size_t>(offset),
                                                                static_cast<std::size_t>(length)));
    else resp.set_file(std::move(r.fd), offset, length);
}

void Site::serve_form(const http::ServerRequest& rq, const SafePath& sp, http::Response& resp) const {
    const http::Request& req = rq.head;
    http::QueryParams params;
    std::string note;
    std::string_view source = req.query();
    if (req.method == http::Method::post) {
        if (is_urlencoded(req.header("Content-Type"))) {
            source = rq.body;
        } else {
            source = {};
            note = std::to_string(rq.body.size()) + " bytes of " + std::string(req.header("Content-Type"));
        }
    }
    if (http::parse_query(source, params) != http::QueryError::none) {
        http::set_error(resp, 400, "Malformed form data.");
        return;
    }
    std::string& b = resp.body;
    b = "<!DOCTYPE html>\n<html><head><title>Results</title></head><body>\n<h1>";
    b += http::html_escape(sp.url);
    b += "</h1>\n<p>Received by ";
    b += http::html_escape(req.method_token);
    b += ": ";
    b += std::to_string(params.size());
    b += " field(s).</p>\n<ul>\n";
    for (const auto& p : params.all()) {
        b += "<li><b>" + http::html_escape(p.key) + "</b>";
        if (p.has_value) b += " = " + http::html_escape(p.value);
        b += "</li>\n";
    }
    b += "</ul>\n";
    if (!note.empty()) b += "<p>" + http::html_escape(note) + "</p>\n";
    b += "</body></html>\n";
    resp.add_header("Content-Type", "text/html; charset=utf-8");
    resp.add_header("Cache-Control", "no-store");
}

namespace {
// If-Match, If-None-Match and If-Unmodified-Since of a PUT or DELETE, against the file as it
// is now (`st`; nullptr if there is none). False: `resp` is the 412.
bool preconditions_hold(const http::Request& req, const struct stat* st, http::Response& resp) {
    Validators v;
    std::string etag;
    if (st != nullptr) {
        etag = make_etag(st->st_mtim.tv_sec, st->st_mtim.tv_nsec, static_cast<std::uint64_t>(st->st_size));
        v = {static_cast<std::uint64_t>(st->st_size), st->st_mtim.tv_sec, etag, true};
    } else {
        v.exists = false;
    }
    if (decide(req, v).status != 412) return true;
    http::set_error(resp, 412);
    return false;
}

// Writes `data` to a temporary file in `dir_fd` and renames it over `name`: readers see the
// old file or the new one, never half of one, and the cache sees a new inode. The temporary
// name has a fixed length, so that every name the file system accepts can be stored.
// Returns 0 or an errno value.
int store_file(int dir_fd, const std::string& name, std::string_view data) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    char tmp[32];
    fs::FileHandle out;
    for (int attempt = 0; attempt < 8 && !out; ++attempt) {
        std::snprintf(tmp, sizeof tmp, ".put-%016llx", static_cast<unsigned long long>(rng()));
        out.reset(::openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
        if (!out && errno != EEXIST) return errno;
    }
    if (!out) return EEXIST;
    int err = 0;
    while (!data.empty() && err == 0) {
        const ssize_t n = ::write(out.get(), data.data(), data.size());
        if (n > 0) data.remove_prefix(static_cast<std::size_t>(n));
        else err = n < 0 ? errno : EIO;
    }
    out.reset();
    if (err == 0 && ::renameat(dir_fd, tmp, dir_fd, name.c_str()) != 0) err = errno;
    if (err != 0) ::unlinkat(dir_fd, tmp, 0);
    else FileCache::note_change();  // every thread's next hit checks the disk again
    return err;
}

// A PUT that failed with `err`: a name the file system refuses is the client's (414),
// anything else ours.
void put_error(http::Response& resp, int err) {
    if (err == ENAMETOOLONG) http::set_error(resp, 414, "The file name is longer than the file system allows.");
    else if (err == EACCES || err == EPERM || err == EROFS) http::set_error(resp, 403);
    else http::set_error(resp, 500, "Could not store the file.");
}

// Splits "a/b/c" into the parent directory "a/b/" and the name "c".
void split_parent(const std::string& rel, std::string& parent, std::string& name) {
    const auto slash = rel.rfind('/');
    parent = slash == std::string::npos ? std::string() : rel.substr(0, slash + 1);
    name = slash == std::string::npos ? rel : rel.substr(slash + 1);
}
}  // namespace

void Site::put_file(const http::ServerRequest& rq, const Root& root, const SafePath& sp, http::Response& resp) const {
    if (refuse_partial_put(rq.head, resp)) return;
    if (sp.directory || sp.relative.empty()) {
        http::set_error(resp, 409, "PUT needs a file name.");
        return;
    }
    std::string parent, name;
    split_parent(sp.relative, parent, name);
    const auto dir = fs::open_beneath(root.fd, parent, O_PATH | O_DIRECTORY);
    if (!dir) {
        // RFC 9110 9.3.4: no intermediate directories are created.
        http::set_error(resp, dir.error == ENOENT ? 409 : errno_status(dir.error),
                        "The parent directory does not exist.");
        return;
    }
    const int pfd = dir.file.get();
    struct stat st;
    const bool existed = ::fstatat(pfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (!existed && errno != ENOENT) {
        put_error(resp, errno);
        return;
    }
    if (existed && S_ISDIR(st.st_mode)) {
        http::set_error(resp, 409, "A directory of that name exists.");
        return;
    }
    // RFC 9110 13.2.1: preconditions are evaluated before the method is performed.
    if (!preconditions_hold(rq.head, existed ? &st : nullptr, resp)) return;
    if (const int err = store_file(pfd, name, rq.body); err != 0) {
        put_error(resp, err);
        return;
    }
    if (existed) {
        resp.status = 204;
    } else {
        http::set_error(resp, 201);
        resp.add_header("Location", http::percent_encode(sp.url));
    }
}

void Site::delete_file(const http::Request& req, const Root& root, const SafePath& sp, http::Response& resp) const {
    if (sp.directory || sp.relative.empty()) {
        http::set_error(resp, 409, "Directories are not deleted.");
        return;
    }
    std::string parent, name;
    split_parent(sp.relative, parent, name);
    const auto dir = fs::open_beneath(root.fd, parent, O_PATH | O_DIRECTORY);
    if (!dir) {
        http::set_error(resp, errno_status(dir.error));
        return;
    }
    const int pfd = dir.file.get();
    struct stat st;
    if (::fstatat(pfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        http::set_error(resp, errno_status(errno));
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        http::set_error(resp, 409, "Directories are not deleted.");
        return;
    }
    if (!preconditions_hold(req, &st, resp)) return;
    if (::unlinkat(pfd, name.c_str(), 0) != 0) {
        http::set_error(resp, errno_status(errno));
        return;
    }
    FileCache::note_change();
    resp.status = 204;
}

void Site::list_directory(const Root& root, const SafePath& sp, http::Response& resp) const {
    auto opened = fs::open_beneath(root.fd, sp.relative, O_RDONLY | O_DIRECTORY);
    if (!opened) {
        http::set_error(resp, errno_status(opened.error));
        return;
    }
    const int fd = opened.file.get();
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
        http::set_error(resp, 500);
        return;
    }
    (void)opened.file.release();  // the DIR owns it now
    std::vector<std::pair<std::string, bool>> entries;
    while (const dirent* e = ::readdir(dir)) {
        const std::string_view n = e->d_name;
        if (n == "." || n == "..") continue;
        struct stat st;
        const bool is_dir = ::fstatat(fd, e->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
        entries.emplace_back(std::string(n), is_dir);
        if (entries.size() >= 10000) break;
    }
    ::closedir(dir);
    std::sort(entries.begin(), entries.end());
    std::string& b = resp.body;
    const std::string title = "Index of " + http::html_escape(sp.url);
    b = "<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body>\n<h1>" + title + "</h1>\n<ul>\n";
    if (sp.url != "/") b += "<li><a href=\"../\">../</a></li>\n";
    for (const auto& [n, is_dir] : entries) {
        const std::string shown = n + (is_dir ? "/" : "");
        b += "<li><a href=\"" + http::html_escape(http::percent_encode(n)) + (is_dir ? "/" : "") + "\">" +
             http::html_escape(shown) + "</a></li>\n";
    }
    b += "</ul>\n</body></html>\n";
    resp.add_header("Content-Type", "text/html; charset=utf-8");
}

}  // namespace httpd
