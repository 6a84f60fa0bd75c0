#include "tracker/tracker.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "tracker/udp_protocol.hpp"

namespace tracker {
namespace {

// The rate-limit key: an IPv4 address, or an IPv6 /64 (one subscriber's prefix; any
// address in it is as cheap to use as another).
std::string_view limit_key(const PeerEndpoint& e) {
    return {reinterpret_cast<const char*>(e.ip.data()), e.v6 ? 8u : 4u};
}

std::vector<PeerOut>& scratch_peers() {
    thread_local std::vector<PeerOut> v;
    v.clear();
    return v;
}

const char* event_name(Event e) {
    switch (e) {
        case Event::started: return "started";
        case Event::completed: return "completed";
        case Event::stopped: return "stopped";
        default: return "none";
    }
}

std::string describe(const InfoHash& h, Event e, const PeerEndpoint& peer, std::size_t npeers, const SwarmCounts& c) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "announce %s event=%s port=%u -> %zu peers (%u seeders, %u leechers)",
                  to_hex(h).substr(0, 12).c_str(), event_name(e), unsigned(peer.port), npeers, c.complete,
                  c.incomplete);
    return buf;
}

std::string_view status_reason(AnnounceStatus st) {
    return st == AnnounceStatus::torrent_limit ? "tracker is full (torrents)" : "tracker is full (peers)";
}

constexpr std::string_view kUnregistered = "unregistered torrent";

}  // namespace

Tracker::Tracker(TrackerOptions opts, std::shared_ptr<SwarmStore> store)
    : Tracker(opts, std::move(store), ConnectionIds{}) {}

Tracker::Tracker(TrackerOptions opts, std::shared_ptr<SwarmStore> store, ConnectionIds ids)
    : opts_(opts), store_(std::move(store)), ids_(ids), limiter_(opts.rate) {}

bool Tracker::allowed(const PeerEndpoint& source, std::uint64_t now_ms) {
    if (limiter_.allow(limit_key(source), now_ms)) return true;
    rate_limited_.fetch_add(1, std::memory_order_relaxed);
    return false;
}

std::string Tracker::fail(std::string_view reason, std::string* summary) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    if (summary) *summary = "failure: " + std::string(reason);
    return failure_reply(reason);
}

std::string Tracker::announce(std::span<const Param> params, const PeerEndpoint& source, std::uint64_t now_ms,
                              std::string* summary) {
    if (!allowed(source, now_ms)) return fail("rate limited: too many requests from your address", summary);
    AnnounceParse parsed = parse_announce(params, opts_.numwant);
    if (!parsed.request) return fail(parsed.error, summary);
    const HttpAnnounce& req = *parsed.request;
    if (opts_.whitelist_mode && !whitelist_.contains(req.info_hash)) return fail(kUnregistered, summary);

    AnnounceParams p;
    p.info_hash = req.info_hash;
    p.peer_id = req.peer_id;
    p.peer = (opts_.trust_ip_param && req.ip) ? *req.ip : source;
    p.peer.port = req.port;
    p.left = req.left;
    p.event = req.event;
    p.numwant = req.numwant;
    p.both_families = true;
    p.keep_peer_id = !req.compact;
    p.want_peer_ids = !req.compact && !req.no_peer_id;
    SwarmCounts counts;
    auto& peers = scratch_peers();
    AnnounceStatus st = store_->announce(p, static_cast<std::uint32_t>(now_ms / 1000), counts, peers);
    if (st != AnnounceStatus::ok) return fail(status_reason(st), summary);
    announces_.fetch_add(1, std::memory_order_relaxed);
    if (summary) *summary = describe(req.info_hash, req.event, p.peer, peers.size(), counts);
    return announce_reply({opts_.interval, opts_.min_interval, counts}, peers, req.compact, req.no_peer_id);
}

std::string Tracker::scrape(std::span<const Param> params, const PeerEndpoint& source, std::uint64_t now_ms) {
    if (!allowed(source, now_ms)) return fail("rate limited: too many requests from your address", nullptr);
    ScrapeParse parsed = parse_scrape(params, opts_.max_scrape);
    if (!parsed.error.empty()) return fail(parsed.error, nullptr);
    std::vector<std::pair<InfoHash, SwarmCounts>> files;
    files.reserve(parsed.hashes.size());
    for (const InfoHash& h : parsed.hashes) {
        // Whitelist mode: only registered torrents appear; open mode: unknown ones as zeros.
        if (opts_.whitelist_mode && !whitelist_.contains(h)) continue;
        files.emplace_back(h, store_->scrape(h).value_or(SwarmCounts{}));
    }
    scrapes_.fetch_add(1, std::memory_order_relaxed);
    return scrape_reply(files);
}

std::size_t Tracker::datagram(std::span<const std::uint8_t> in, const PeerEndpoint& from, std::uint64_t now_ms,
                              std::span<std::uint8_t> out, std::string* summary) {
    udp::Packet pkt = udp::parse(in);
    auto error_reply = [&](std::string_view msg) {
        failures_.fetch_add(1, std::memory_order_relaxed);
        if (summary) *summary = "error: " + std::string(msg);
        return udp::write_error(out, pkt.transaction_id, msg);
    };
    if (pkt.kind == udp::Kind::drop) {
        if (summary) *summary = "dropped (" + std::to_string(in.size()) + " bytes, not a tracker request)";
        return 0;
    }
    // Floods are dropped silently: an answer would only feed them (and any spoofed victim).
    if (!allowed(from, now_ms)) {
        if (summary) *summary = "dropped (rate limited)";
        return 0;
    }
    if (pkt.kind == udp::Kind::error) return error_reply(pkt.error);
    const std::uint64_t now_s = now_ms / 1000;
    const std::string_view addr = from.address_bytes();
    if (pkt.kind == udp::Kind::connect) {
        connects_.fetch_add(1, std::memory_order_relaxed);
        std::uint64_t id = ids_.issue(addr, now_s);
        if (summary) *summary = "connect -> connection id issued";
        return udp::write_connect(out, pkt.transaction_id, id);
    }
    // BEP 15: the connection id proves the client receives at this address.
    if (!ids_.valid(pkt.connection_id, addr, now_s)) return error_reply("invalid or expired connection id");

    if (pkt.kind == udp::Kind::scrape) {
        std::vector<SwarmCounts> counts;
        counts.reserve(pkt.scrape.size());
        for (const InfoHash& h : pkt.scrape) {
            if (opts_.whitelist_mode && !whitelist_.contains(h)) return error_reply(kUnregistered);
            counts.push_back(store_->scrape(h).value_or(SwarmCounts{}));
        }
        scrapes_.fetch_add(1, std::memory_order_relaxed);
        if (summary) *summary = "scrape " + std::to_string(counts.size()) + " info_hash(es)";
        return udp::write_scrape(out, pkt.transaction_id, counts);
    }

    const udp::AnnounceRequest& a = pkt.announce;
    if (opts_.whitelist_mode && !whitelist_.contains(a.info_hash)) return error_reply(kUnregistered);
    AnnounceParams p;
    p.info_hash = a.info_hash;
    p.peer_id = a.peer_id;
    p.peer = from;
    if (opts_.trust_ip_param && a.ip != 0 && !from.v6) {
        p.peer = PeerEndpoint::v4_from(
            {std::uint8_t(a.ip >> 24), std::uint8_t(a.ip >> 16), std::uint8_t(a.ip >> 8), std::uint8_t(a.ip)}, 0);
    }
    p.peer.port = a.port;
    p.left = a.left;
    p.event = a.event;
    p.numwant = a.num_want < 0
                    ? opts_.numwant.default_numwant
                    : std::min<std::uint32_t>(static_cast<std::uint32_t>(a.num_want), opts_.numwant.max_numwant);
    p.both_families = false;  // BEP 15: the reply's address size follows the request's family
    SwarmCounts counts;
    auto& peers = scratch_peers();
    AnnounceStatus st = store_->announce(p, static_cast<std::uint32_t>(now_s), counts, peers);
    if (st != AnnounceStatus::ok) return error_reply(status_reason(st));
    announces_.fetch_add(1, std::memory_order_relaxed);
    if (summary) *summary = describe(a.info_hash, a.event, p.peer, peers.size(), counts);
    return udp::write_announce(out, pkt.transaction_id, opts_.interval, counts, peers, from.v6);
}

void Tracker::tick(std::uint64_t now_ms) {
    {
        std::lock_guard lock(rate_mu_);
        if (start_ms_ == UINT64_MAX) start_ms_ = now_ms;
        samples_[sample_next_] = {now_ms, announces_.load(std::memory_order_relaxed)};
        sample_next_ = (sample_next_ + 1) % std::size(samples_);
        sample_count_ = std::min(sample_count_ + 1, std::size(samples_));
    }
    // A sweep every expire_every_ms keeps a silent peer at most timeout + that long.
    if (now_ms - last_expire_ms_ >= opts_.expire_every_ms) {
        last_expire_ms_ = now_ms;
        store_->expire(static_cast<std::uint32_t>(now_ms / 1000));
    }
}

StatsSnapshot Tracker::stats(std::uint64_t now_ms) const {
    StatsSnapshot s;
    s.totals = store_->totals();
    s.announces = announces_.load(std::memory_order_relaxed);
    s.scrapes = scrapes_.load(std::memory_order_relaxed);
    s.connects = connects_.load(std::memory_order_relaxed);
    s.failures = failures_.load(std::memory_order_relaxed);
    s.rate_limited = rate_limited_.load(std::memory_order_relaxed);
    s.whitelist_mode = opts_.whitelist_mode;
    s.whitelist_size = whitelist_.size();
    std::lock_guard lock(rate_mu_);
    if (start_ms_ != UINT64_MAX && now_ms > start_ms_) s.uptime_seconds = (now_ms - start_ms_) / 1000;
    if (sample_count_ >= 2) {
        const std::size_t n = std::size(samples_);
        const Sample& newest = samples_[(sample_next_ + n - 1) % n];
        const Sample& oldest = samples_[(sample_next_ + n - sample_count_) % n];
        if (newest.ms > oldest.ms) {
            s.announces_per_second =
                double(newest.announces - oldest.announces) * 1000.0 / double(newest.ms - oldest.ms);
        }
    }
    return s;
}

namespace {

// One row of /stats, rendered both as a JSON member and as an HTML table row.
struct StatRow {
    const char* key;    ///< JSON member
    const char* label;  ///< HTML row heading; nullptr: JSON only
    std::string value;  ///< already formatted
    bool quoted = false;
};

std::string fixed1(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::vector<StatRow> stat_rows(const StatsSnapshot& s) {
    using std::to_string;
    return {
        {"torrents", "Torrents", to_string(s.totals.torrents)},
        {"seeders", "Seeders", to_string(s.totals.seeders)},
        {"leechers", "Leechers", to_string(s.totals.leechers)},
        {"completed", "Completed", to_string(s.totals.downloaded)},
        {"announces", "Announces", to_string(s.announces)},
        {"announces_per_second", "Announces per second", fixed1(s.announces_per_second)},
        {"scrapes", "Scrapes", to_string(s.scrapes)},
        {"udp_connects", "UDP connects", to_string(s.connects)},
        {"failures", "Failures", to_string(s.failures)},
        {"rate_limited", "Rate limited", to_string(s.rate_limited)},
        {"uptime_seconds", "Uptime (s)", to_string(s.uptime_seconds)},
        {"mode", "Mode", s.whitelist_mode ? "whitelist" : "open", true},
        {"whitelist_size", nullptr, to_string(s.whitelist_size)},
    };
}

}  // namespace

std::string stats_json(const StatsSnapshot& s) {
    std::string out = "{";
    for (const auto& r : stat_rows(s)) {
        if (out.size() > 1) out += ',';
        out.append("\"").append(r.key).append("\":");
        if (r.quoted) out.append("\"").append(r.value).append("\"");
        else out += r.value;
    }
    return out + "}\n";
}

std::string stats_html(const StatsSnapshot& s) {
    std::string out =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tracker statistics</title>"
        "</head>\n<body><h1>Tracker statistics</h1>\n<table>\n";
    for (const auto& r : stat_rows(s))
        if (r.label) out.append("<tr><th>").append(r.label).append("</th><td>").append(r.value).append("</td></tr>\n");
    return out + "</table>\n<p><a href=\"/stats?format=json\">JSON</a></p>\n</body></html>\n";
}

}  // namespace tracker
