#include "httpd/shop_store.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace httpd {

namespace {

constexpr std::string_view kMagic = "# netsuite shop store v1";
constexpr std::size_t kMaxFileBytes = 64 << 20;
constexpr std::size_t kIdBytes = 16;

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) {
        if (!out.empty()) out += ',';
        out += s;
    }
    return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    while (!s.empty()) {
        const auto p = s.find(sep);
        out.emplace_back(s.substr(0, p));
        if (p == std::string_view::npos) break;
        s.remove_prefix(p + 1);
    }
    return out;
}

bool valid_item(std::string_view item) {
    return !item.empty() && item.size() <= 32 && std::all_of(item.begin(), item.end(), [](unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

// Writes all of `data` to a fresh file beside `path`, flushes it to disk and renames it over
// `path`, so that a crash leaves the old table or the new one, never half of one.
bool write_atomically(const std::string& path, const std::string& data) {
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            ::unlink(tmp.c_str());
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    if (::close(fd) != 0 || !synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return false;
    }
    // The rename itself is durable once the directory is flushed.
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, std::max<std::size_t>(slash, 1));
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)::fsync(dfd);
        ::close(dfd);
    }
    return true;
}

}  // namespace

bool valid_shop_id(std::string_view id) {
    return id.size() == 2 * kIdBytes &&
           std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

ShopStore::ShopStore(std::string file, ShopLimits limits) : file_(std::move(file)), limits_(limits) { load(); }

void ShopStore::load() {
    std::ifstream in(file_);
    if (!in) {
        if (errno == ENOENT) return;
        throw std::runtime_error(file_ + ": " + std::strerror(errno));
    }
    std::string line;
    std::size_t read = 0;
    while (std::getline(in, line) && rows_.size() < limits_.max_rows) {
        read += line.size() + 1;
        if (read > kMaxFileBytes) break;
        if (line.empty() || line[0] == '#') continue;
        // id, visits, first seen, last seen, cart, history: tab-separated.
        const auto f = split(line, '\t');
        if (f.size() != 6 || !valid_shop_id(f[0])) continue;
        ShopRow row;
        try {
            row.visits = std::stoull(f[1]);
            row.first_seen = static_cast<std::time_t>(std::stoll(f[2]));
            row.last_seen = static_cast<std::time_t>(std::stoll(f[3]));
        } catch (const std::exception&) {
            continue;
        }
        for (auto& i : split(f[4], ','))
            if (valid_item(i) && row.cart.size() < limits_.max_cart) row.cart.push_back(std::move(i));
        for (auto& i : split(f[5], ','))
            if (valid_item(i)) row.history.push_back(std::move(i));
        if (row.history.size() > limits_.max_history)
            row.history.erase(row.history.begin(),
                              row.history.end() - static_cast<std::ptrdiff_t>(limits_.max_history));
        rows_.emplace(f[0], std::move(row));
    }
}

void ShopStore::save_locked() const {
    std::string out(kMagic);
    out += '\n';
    for (const auto& [id, r] : rows_) {
        out += id;
        out += '\t' + std::to_string(r.visits) + '\t' + std::to_string(r.first_seen) + '\t' +
               std::to_string(r.last_seen) + '\t' + join(r.cart) + '\t' + join(r.history) + '\n';
    }
    if (!write_atomically(file_, out)) spdlog::error("shop: cannot write {}: {}", file_, std::strerror(errno));
}

std::string ShopStore::create(std::time_t now) {
    std::array<unsigned char, kIdBytes> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) throw std::runtime_error("RAND_bytes failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id;
    for (unsigned char b : raw) {
        id += kHex[b >> 4];
        id += kHex[b & 15];
    }
    std::lock_guard lock(mu_);
    if (rows_.size() >= limits_.max_rows && !rows_.empty()) {
        auto oldest = std::min_element(rows_.begin(), rows_.end(), [](const auto& a, const auto& b) {
            return a.second.last_seen < b.second.last_seen;
        });
        rows_.erase(oldest);
    }
    rows_[id] = ShopRow{0, now, now, {}, {}};
    save_locked();
    return id;
}

std::optional<ShopRow> ShopStore::visit(const std::string& id, std::time_t now) {
    std::lock_guard lock(mu_);
    auto it = rows_.find(id);
    if (it == rows_.end()) return std::nullopt;
    ++it->second.visits;
    it->second.last_seen = now;
    save_locked();
    return it->second;
}

std::optional<ShopRow> ShopStore::get(const std::string& id) const {
    std::lock_guard lock(mu_);
    auto it = rows_.find(id);
    if (it == rows_.end()) return std::nullopt;
    return it->second;
}

ShopStore::Change ShopStore::add(const std::string& id, const std::string& item, std::time_t now) {
    std::lock_guard lock(mu_);
    auto it = rows_.find(id);
    if (it == rows_.end()) return Change::unknown_id;
    auto& r = it->second;
    if (r.cart.size() >= limits_.max_cart) return Change::cart_full;
    r.cart.push_back(item);
    r.history.push_back(item);
    if (r.history.size() > limits_.max_history) r.history.erase(r.history.begin());
    r.last_seen = now;
    save_locked();
    return Change::ok;
}

ShopStore::Change ShopStore::remove(const std::string& id, const std::string& item, std::time_t now) {
    std::lock_guard lock(mu_);
    auto it = rows_.find(id);
    if (it == rows_.end()) return Change::unknown_id;
    auto& cart = it->second.cart;
    auto pos = std::find(cart.rbegin(), cart.rend(), item);
    if (pos == cart.rend()) return Change::not_in_cart;
    cart.erase(std::next(pos).base());
    it->second.last_seen = now;
    save_locked();
    return Change::ok;
}

std::size_t ShopStore::size() const {
    std::lock_guard lock(mu_);
    return rows_.size();
}

}  // namespace httpd
