#include "tracker/udp_protocol.hpp"

#include <cstring>

#include "wire/bytes.hpp"

namespace tracker::udp {
namespace {

using wire::ByteReader;
using wire::ByteWriter;

bool read_u64(ByteReader& r, std::uint64_t& v) { return r.u64(v); }
bool write_u64(ByteWriter& w, std::uint64_t v) { return w.u64(v); }
bool read_hash(ByteReader& r, Hash20& h) { return r.bytes(h.data(), h.size()); }

Packet error(Packet p, std::string_view msg) {
    p.kind = Kind::error;
    p.error = msg;
    return p;
}

}  // namespace

Packet parse(std::span<const std::uint8_t> in) {
    Packet p;
    ByteReader r(in);
    std::uint32_t action = 0;
    // Every request starts with connection_id (or the protocol id), action, transaction id.
    if (!read_u64(r, p.connection_id) || !r.u32(action) || !r.u32(p.transaction_id)) return p;
    switch (static_cast<Action>(action)) {
        case Action::connect:
            if (p.connection_id != kProtocolId) return p;  // not a tracker client: stay silent
            if (in.size() != kConnectSize) return error(p, "bad connect length");
            p.kind = Kind::connect;
            return p;
        case Action::announce: {
            if (in.size() < kAnnounceSize) return error(p, "bad announce length");
            AnnounceRequest& a = p.announce;
            std::uint32_t event = 0, num_want = 0;
            // Bounds were checked above; the reads cannot fail.
            (void)(read_hash(r, a.info_hash) && read_hash(r, a.peer_id) && read_u64(r, a.downloaded) &&
                   read_u64(r, a.left) && read_u64(r, a.uploaded) && r.u32(event) && r.u32(a.ip) && r.u32(a.key) &&
                   r.u32(num_want) && r.u16(a.port));
            if (event > 3) return error(p, "invalid event");
            static constexpr Event events[] = {Event::none, Event::completed, Event::started, Event::stopped};
            a.event = events[event];
            a.num_want = static_cast<std::int32_t>(num_want);
            if (a.port == 0) return error(p, "invalid port");
            p.kind = Kind::announce;
            return p;
        }
        case Action::scrape: {
            std::size_t body = in.size() - kScrapeHeader;
            if (body == 0 || body % 20 != 0) return error(p, "bad scrape length");
            if (body / 20 > kMaxScrapeHashes) return error(p, "too many info_hashes");
            p.scrape.resize(body / 20);
            for (auto& h : p.scrape) (void)read_hash(r, h);
            p.kind = Kind::scrape;
            return p;
        }
        default: return error(p, "unknown action");
    }
}

std::size_t write_connect(std::span<std::uint8_t> out, std::uint32_t tid, std::uint64_t connection_id) {
    ByteWriter w(out);
    if (!w.u32(0) || !w.u32(tid) || !write_u64(w, connection_id)) return 0;
    return w.position();
}

std::size_t write_announce(std::span<std::uint8_t> out, std::uint32_t tid, std::uint32_t interval,
                           const SwarmCounts& counts, std::span<const PeerOut> peers, bool v6) {
    ByteWriter w(out);
    if (!w.u32(1) || !w.u32(tid) || !w.u32(interval) || !w.u32(counts.incomplete) || !w.u32(counts.complete)) {
        return 0;
    }
    for (const PeerOut& p : peers) {
        if (p.endpoint.v6 != v6) continue;
        // Whole entries only: 4 (or 16) address bytes and the port.
        if (w.remaining() < p.endpoint.address_bytes().size() + 2) break;
        (void)(w.bytes(p.endpoint.address_bytes()) && w.u16(p.endpoint.port));
    }
    return w.position();
}

std::size_t write_scrape(std::span<std::uint8_t> out, std::uint32_t tid, std::span<const SwarmCounts> counts) {
    ByteWriter w(out);
    if (!w.u32(2) || !w.u32(tid)) return 0;
    for (const SwarmCounts& c : counts) {
        if (!w.u32(c.complete) || !w.u32(c.downloaded) || !w.u32(c.incomplete)) return 0;
    }
    return w.position();
}

std::size_t write_error(std::span<std::uint8_t> out, std::uint32_t tid, std::string_view message) {
    ByteWriter w(out);
    if (!w.u32(3) || !w.u32(tid) || !w.bytes(message)) return 0;
    return w.position();
}

}  // namespace tracker::udp
