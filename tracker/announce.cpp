#include "tracker/announce.hpp"

#include <algorithm>
#include <charconv>

#include "tracker/bencode.hpp"

namespace tracker {
namespace {

// Decimal digits only (no sign, no spaces), fitting in uint64.
std::optional<std::uint64_t> parse_u64(std::string_view s) {
    if (s.empty() || s.size() > 20) return std::nullopt;
    std::uint64_t v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

enum Key : unsigned {
    k_info_hash,
    k_peer_id,
    k_port,
    k_uploaded,
    k_downloaded,
    k_left,
    k_event,
    k_numwant,
    k_compact,
    k_no_peer_id,
    k_key,
    k_ip,
    k_count
};
constexpr std::string_view kKeyNames[k_count] = {"info_hash", "peer_id", "port",    "uploaded",   "downloaded", "left",
                                                 "event",     "numwant", "compact", "no_peer_id", "key",        "ip"};

AnnounceParse fail(std::string msg) { return {std::nullopt, std::move(msg)}; }

}  // namespace

AnnounceParse parse_announce(std::span<const Param> params, const NumwantPolicy& policy) {
    std::string_view values[k_count];
    bool seen[k_count] = {};
    for (const Param& p : params) {
        for (unsigned k = 0; k < k_count; ++k) {
            if (p.key != kKeyNames[k]) continue;
            // A repeated parameter is ambiguous (which one counts?): refuse it.
            if (seen[k]) return fail("duplicate parameter: " + std::string(kKeyNames[k]));
            seen[k] = true;
            values[k] = p.value;
        }
    }
    HttpAnnounce r;
    if (!seen[k_info_hash]) return fail("missing info_hash");
    auto ih = hash20_from_bytes(values[k_info_hash]);
    if (!ih) return fail("invalid info_hash: must be 20 bytes");
    r.info_hash = *ih;
    if (!seen[k_peer_id]) return fail("missing peer_id");
    auto pid = hash20_from_bytes(values[k_peer_id]);
    if (!pid) return fail("invalid peer_id: must be 20 bytes");
    r.peer_id = *pid;
    if (!seen[k_port]) return fail("missing port");
    auto port = parse_u64(values[k_port]);
    if (!port || *port == 0 || *port > 65535) return fail("invalid port: must be 1-65535");
    r.port = static_cast<std::uint16_t>(*port);
    if (seen[k_uploaded]) {
        auto v = parse_u64(values[k_uploaded]);
        if (!v) return fail("invalid uploaded");
        r.uploaded = *v;
    }
    if (seen[k_downloaded]) {
        auto v = parse_u64(values[k_downloaded]);
        if (!v) return fail("invalid downloaded");
        r.downloaded = *v;
    }
    if (seen[k_left]) {
        auto v = parse_u64(values[k_left]);
        if (!v) return fail("invalid left");
        r.left = *v;
    }
    if (seen[k_event]) {
        std::string_view e = values[k_event];
        if (e.empty() || e == "paused") r.event = Event::none;  // BEP 21 "paused": a regular announce
        else if (e == "started") r.event = Event::started;
        else if (e == "completed") r.event = Event::completed;
        else if (e == "stopped") r.event = Event::stopped;
        else return fail("invalid event");
    }
    r.numwant = policy.default_numwant;
    if (seen[k_numwant]) {
        // Any run of digits is a valid wish, however large: it is capped. Signs and
        // anything else are refused.
        if (!all_digits(values[k_numwant])) return fail("invalid numwant");
        auto v = parse_u64(values[k_numwant]);
        r.numwant = (!v || *v > policy.max_numwant) ? policy.max_numwant : static_cast<std::uint32_t>(*v);
    }
    r.numwant = std::min(r.numwant, policy.max_numwant);
    if (seen[k_compact]) {
        if (values[k_compact] == "0") r.compact = false;
        else if (values[k_compact] == "1") r.compact = true;
        else return fail("invalid compact");
    }
    if (seen[k_no_peer_id]) {
        if (values[k_no_peer_id] == "0") r.no_peer_id = false;
        else if (values[k_no_peer_id] == "1") r.no_peer_id = true;
        else return fail("invalid no_peer_id");
    }
    if (seen[k_key] && values[k_key].size() > 64) return fail("invalid key");
    if (seen[k_ip]) {
        auto ip = parse_ip(values[k_ip], r.port);
        if (!ip) return fail("invalid ip");
        r.ip = *ip;
    }
    return {std::move(r), {}};
}

ScrapeParse parse_scrape(std::span<const Param> params, std::size_t max_hashes) {
    ScrapeParse r;
    for (const Param& p : params) {
        if (p.key != "info_hash") continue;
        auto h = hash20_from_bytes(p.value);
        if (!h) return {{}, "invalid info_hash: must be 20 bytes"};
        if (r.hashes.size() >= max_hashes) return {{}, "too many info_hashes (max " + std::to_string(max_hashes) + ")"};
        r.hashes.push_back(*h);
    }
    if (r.hashes.empty()) return {{}, "missing info_hash"};
    std::sort(r.hashes.begin(), r.hashes.end());
    r.hashes.erase(std::unique(r.hashes.begin(), r.hashes.end()), r.hashes.end());
    return r;
}

std::string failure_reply(std::string_view reason) {
    std::string out;
    bencode::Writer w(out);
    w.begin_dict().kv("failure reason", reason).end();
    return out;
}

std::string announce_reply(const AnnounceReplyInfo& info, std::span<const PeerOut> peers, bool compact,
                           bool no_peer_id) {
    std::string out;
    out.reserve(96 + peers.size() * (compact ? 18 : 64));
    bencode::Writer w(out);
    // Keys in byte order (BEP 3).
    w.begin_dict();
    w.kv("complete", info.counts.complete);
    w.kv("downloaded", info.counts.downloaded);
    w.kv("incomplete", info.counts.incomplete);
    w.kv("interval", info.interval);
    w.kv("min interval", info.min_interval);
    if (compact) {
        std::string v4, v6;
        for (const PeerOut& p : peers) {
            std::string& dst = p.endpoint.v6 ? v6 : v4;
            dst.append(p.endpoint.address_bytes());
            dst += static_cast<char>(p.endpoint.port >> 8);
            dst += static_cast<char>(p.endpoint.port & 0xff);
        }
        w.kv("peers", v4);
        if (!v6.empty()) w.kv("peers6", v6);
    } else {
        w.string("peers").begin_list();
        for (const PeerOut& p : peers) {
            w.begin_dict().kv("ip", p.endpoint.address_text());
            if (!no_peer_id && p.peer_id) w.kv("peer id", as_bytes(*p.peer_id));
            w.kv("port", p.endpoint.port).end();
        }
        w.end();
    }
    w.end();
    return out;
}

std::string scrape_reply(std::span<const std::pair<InfoHash, SwarmCounts>> files) {
    std::string out;
    bencode::Writer w(out);
    w.begin_dict().string("files").begin_dict();
    for (const auto& [h, c] : files) {
        w.string(as_bytes(h)).begin_dict();
        w.kv("complete", c.complete).kv("downloaded", c.downloaded).kv("incomplete", c.incomplete);
        w.end();
    }
    w.end().end();
    return out;
}

}  // namespace tracker
