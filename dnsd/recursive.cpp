#include "dnsd/recursive.hpp"

#include <algorithm>
#include <vector>

#include "net/trace.hpp"

namespace dnsd {

std::optional<dns::Message> recursive_query(std::span<const std::uint8_t> query, const asio::ip::address& peer,
                                            const ZoneSet& zones, const net::CidrList& allow) {
    // Never an open resolver: only the clients in the allow list (RFC 5358).
    if (!allow.contains(peer)) return std::nullopt;
    dns::Message m;
    if (dns::parse_message(query, m) != dns::ParseError::ok) return std::nullopt;
    if (m.header.qr || m.header.opcode != 0 || m.questions.size() != 1) return std::nullopt;
    if (m.edns && m.edns->version != 0) return std::nullopt;
    const auto& q = m.questions[0];
    if (q.klass != dns::klass::IN || dns::is_meta_type(q.type) || q.type == 0) return std::nullopt;
    std::string key(q.name.wire());
    dns::wire_lower(key);
    if (zones.find_zone(key) != nullptr) return std::nullopt;  // ours: answered authoritatively
    return m;
}

std::size_t write_reply(const dns::Message& query, const Resolution& res, std::span<std::uint8_t> out, bool tcp,
                        std::uint16_t edns_size) {
    std::size_t limit = dns::max_udp_plain;
    if (tcp) limit = dns::max_message;
    else if (query.edns) limit = std::clamp<std::size_t>(query.edns->udp_size, dns::max_udp_plain, edns_size);
    limit = std::min(limit, out.size());
    dns::MessageWriter w(out, limit);
    dns::Header h;
    h.id = query.header.id;
    h.qr = true;
    h.rd = query.header.rd;
    h.ra = true;
    h.cd = query.header.cd;
    h.rcode = static_cast<std::uint8_t>(res.rcode & 0xF);
    const auto& q = query.questions.front();
    if (!w.header(h) || !w.question(q.name, q.type, q.klass)) return 0;
    if (query.edns) w.reserve(11);
    const auto bare = w.mark();
    bool fits = true;
    for (const auto& r : res.answer) fits = fits && w.rr(dns::Section::answer, r);
    for (const auto& r : res.authority) fits = fits && w.rr(dns::Section::authority, r);
    if (!fits) {
        w.rollback(bare);
        w.set_tc();
    }
    if (query.edns) {
        dns::Edns e;
        e.udp_size = edns_size;
        e.do_bit = query.edns->do_bit;
        (void)w.opt(e);
    }
    return w.finish();
}

std::string recursive_summary(const dns::Message& query, const Resolution& res) {
    const auto& q = query.questions.front();
    std::string s = "Q: " + dns::type_to_string(q.type) + " " + q.name.to_text() + " -> " +
                    dns::rcode_to_string(res.rcode) + " " + std::to_string(res.answer.size()) +
                    (res.answer.size() == 1 ? " answer" : " answers");
    if (res.stale) s += " (stale)";
    else if (res.cached) s += " (cached)";
    else s += " (" + std::to_string(res.queries) + (res.queries == 1 ? " query)" : " queries)");
    return s;
}

net::task<void> answer_later(const RecursiveService& svc, dns::Message query, net::udp::endpoint client,
                             net::udp::socket& sock) {
    // The caller counted this resolution in; it is counted out once resolved, before the reply
    // goes, so a client that asks again on reading it finds the room (or if the coroutine ends early).
    struct Counted {
        std::atomic<unsigned>* n;
        void release() {
            if (n) n->fetch_sub(1, std::memory_order_relaxed);
            n = nullptr;
        }
        ~Counted() { release(); }
    } counted{&svc.resolving};
    const auto& q = query.questions.front();
    dns::Name name = q.name;
    Resolution res = co_await svc.recursor->resolve(name, q.type);
    counted.release();
    std::vector<std::uint8_t> out(std::max<std::size_t>(svc.edns_size, dns::max_udp_plain));
    const std::size_t n = write_reply(query, res, out, false, svc.edns_size);
    if (net::Trace::enabled()) net::trace_datagram("dns", client, recursive_summary(query, res));
    if (n == 0) co_return;
    auto [ec, sent] =
        co_await sock.async_send_to(asio::buffer(out.data(), n), client, asio::as_tuple(asio::use_awaitable));
    (void)ec;
    (void)sent;
}

}  // namespace dnsd
