#include "dnsd/tcp_session.hpp"

#include <spdlog/spdlog.h>

#include <memory>
#include <span>
#include <string>

#include "dns/bytes.hpp"
#include "dnsd/transcript.hpp"
#include "net/endpoint.hpp"
#include "net/reader.hpp"
#include "net/trace.hpp"

namespace dnsd {
namespace {

constexpr std::size_t prefix_size = 2;  // RFC 1035 4.2.2: a two-octet length before each message
constexpr int axfr_timeout_factor = 4;  // a transfer message may take this many io timeouts to send

std::span<const std::uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// Reads until `n` octets are buffered.
net::task<net::ReadStatus> fill_to(net::Reader& rd, std::size_t n) {
    while (rd.data().size() < n) {
        // Waiting for a length prefix on an empty buffer is between queries (RFC 7766 6.2.3).
        auto st = co_await rd.fill(/*between_messages=*/n == prefix_size);
        if (st != net::ReadStatus::ok) co_return st;
    }
    co_return net::ReadStatus::ok;
}

/// Waits for the next framed message; returns its length (it is then buffered after the
/// prefix), or 0 with `why` set when the connection should end.
net::task<std::size_t> read_framed(net::Stream& s, net::Reader& rd, const TcpSettings& ts, std::string& why) {
    // RFC 7766 6.2.3: idle connections are closed after a while; a started message must finish.
    s.expires_after(ts.idle_timeout);
    if (auto st = co_await fill_to(rd, prefix_size); st != net::ReadStatus::ok) {
        why = "closed: " + std::string(net::to_string(st));
        co_return 0;
    }
    s.expires_after(ts.io_timeout);
    std::size_t len = dns::load_u16(bytes(rd.data()).data());
    if (len < dns::header_size) {
        why = "message shorter than a header, closing";
        co_return 0;
    }
    if (auto st = co_await fill_to(rd, prefix_size + len); st != net::ReadStatus::ok) {
        why = "incomplete message: " + std::string(net::to_string(st));
        co_return 0;
    }
    co_return len;
}

/// Sends the `n`-octet message that follows the two free octets at the start of `out`.
net::task<void> write_framed(net::Stream& s, std::span<std::uint8_t> out, std::size_t n, net::error_code& ec) {
    dns::store_u16(out.data(), static_cast<std::uint16_t>(n));
    co_await s.write(std::string_view(reinterpret_cast<const char*>(out.data()), prefix_size + n), ec);
}

/// The zone as AXFR messages, each framed (RFC 5936 2.2); logs what was sent.
net::task<void> send_axfr(net::Stream& s, const Zone& zone, std::span<const std::uint8_t> query,
                          std::span<std::uint8_t> out, const TcpSettings& ts, net::error_code& ec) {
    dns::ByteReader qr(query);
    dns::Header qh;
    (void)qh.read(qr);
    AxfrWriter axfr(zone, qh.id, zone.apex().name);
    std::size_t messages = 0;
    for (;;) {
        std::size_t n = axfr.next(out.subspan(prefix_size));
        if (n == 0) break;
        s.expires_after(ts.io_timeout * axfr_timeout_factor);
        co_await write_framed(s, out, n, ec);
        if (ec) break;
        ++messages;
    }
    spdlog::info("AXFR {} to {}: {} records in {} messages{}", zone.origin().to_text(),
                 net::to_string(s.peer().address()), axfr.records_sent(), messages, ec ? " (interrupted)" : "");
}

}  // namespace

net::task<void> tcp_session(net::Stream& s, const TcpSettings& ts) {
    net::SessionTrace t("dns-tcp", s.id(), net::to_string(s.peer()));
    t.note("connected");
    net::Reader rd(s, prefix_size + dns::max_message);
    const QueryContext ctx{true, s.peer().address()};
    net::error_code ec;
    while (!s.draining()) {
        std::string why;
        std::size_t len = co_await read_framed(s, rd, ts, why);
        if (len == 0) {
            t.note(why);
            break;
        }
        // Uninitialised on purpose: a 64 KiB memset per query would cost more than the answer.
        auto out_buf = std::make_unique_for_overwrite<std::uint8_t[]>(prefix_size + dns::max_message);
        std::span<std::uint8_t> out(out_buf.get(), prefix_size + dns::max_message);
        Worker& w = worker(*ts.store, ts.responder);
        auto zones = w.zones;  // kept alive across the writes below, even if a reload swaps it
        auto query = bytes(rd.data()).subspan(prefix_size, len);
        if (ts.recursive != nullptr) {
            if (auto m = recursive_query(query, s.peer().address(), *zones, ts.recursive->allow)) {
                dns::Name name = m->questions.front().name;
                Resolution res = co_await ts.recursive->recursor->resolve(name, m->questions.front().type);
                const std::size_t n = write_reply(*m, res, out.subspan(prefix_size), true, ts.recursive->edns_size);
                if (t.enabled()) t.server(recursive_summary(*m, res));
                if (n > 0) co_await write_framed(s, out, n, ec);
                rd.consume(prefix_size + len);
                if (ec) break;
                continue;
            }
        }
        Outcome oc = w.responder.respond(*zones, query, ctx, out.subspan(prefix_size), t.enabled());
        if (t.enabled()) {
            t.client(question_text(oc));
            t.server(result_text(oc));
        }
        if (oc.action == Action::reply) co_await write_framed(s, out, oc.size, ec);
        if (oc.action == Action::axfr) co_await send_axfr(s, *oc.zone, query, out, ts, ec);
        rd.consume(prefix_size + len);
        if (ec) break;
    }
    s.shutdown_send();
}

}  // namespace dnsd
