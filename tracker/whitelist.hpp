// Whitelist mode: the set of info_hashes this tracker serves, from a file of hex hashes.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <boost/unordered/unordered_flat_set.hpp>

#include "tracker/types.hpp"

namespace tracker {

struct Hash20Hasher {
    std::size_t operator()(const Hash20& h) const noexcept {
        std::size_t v;
        std::memcpy(&v, h.data(), sizeof v);  // info_hashes are SHA-1 digests; the set is not client-grown
        return v;
    }
};
using HashSet = boost::unordered_flat_set<Hash20, Hash20Hasher>;

/// Parses a whitelist: one 40-hex-digit info_hash per line (the format opentracker's -w
/// reads), blank lines and '#' comments allowed, surrounding whitespace ignored.
/// Throws std::runtime_error("FILE:LINE: ...") on a bad line or an unreadable file.
[[nodiscard]] HashSet load_whitelist(const std::string& path);
[[nodiscard]] HashSet parse_whitelist(std::string_view text, const std::string& name);

/// The current whitelist, replaceable at once from the reload thread while workers read it.
class Whitelist {
public:
    Whitelist() : set_(std::make_shared<const HashSet>()) {}
    void replace(HashSet s) { set_.store(std::make_shared<const HashSet>(std::move(s))); }
    [[nodiscard]] bool contains(const InfoHash& h) const { return set_.load()->contains(h); }
    [[nodiscard]] std::size_t size() const { return set_.load()->size(); }

private:
    std::atomic<std::shared_ptr<const HashSet>> set_;
};

}  // namespace tracker
