// smtpd's parsers: MAIL/RCPT arguments, the queue envelope and state files, xtext, base64, hops,
// server replies as the relay client reads them, and DNS responses as the resolver reads them.
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/sasl.hpp"
#include "dns/resolver.hpp"
#include "smtpd/client.hpp"
#include "smtpd/envelope.hpp"
#include "smtpd/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    smtpd::MailFrom m;
    if (smtpd::parse_mail(in, m) == smtpd::PathError::ok && !m.address.empty() &&
        !smtpd::valid_mailbox(m.address, m.smtputf8))
        std::abort();
    smtpd::RcptTo r;
    (void)smtpd::parse_rcpt(in, true, r);
    (void)smtpd::parse_rcpt(in, false, r);
    std::size_t offset = 0;
    if (auto e = smtpd::parse_envelope(in, offset)) {
        if (offset > size) std::abort();
        // What we parse, we write back the same way.
        std::size_t again = 0;
        const std::string text = smtpd::encode_envelope(*e);
        auto back = smtpd::parse_envelope(text, again);
        if (!back || again != text.size() || back->rcpts.size() != e->rcpts.size() || back->sender != e->sender)
            std::abort();
    }
    (void)smtpd::parse_state(in);
    if (auto d = smtpd::xtext_decode(in))
        if (smtpd::xtext_decode(smtpd::xtext_encode(*d)) != d) std::abort();
    if (auto d = auth::base64_decode(in))
        if (auth::base64_decode(auth::base64_encode(*d)) != d || auth::base64_encode(*d) != in) std::abort();
    smtpd::HopCounter hops;
    hops.feed(in);
    if (hops.hops() > in.size() / 10) std::abort();  // "Received:\n" is the shortest hop
    smtpd::ReplyParser p;
    std::size_t start = 0;
    while (start < in.size()) {
        const auto end = std::min(in.find('\n', start), in.size());
        if (p.line(in.substr(start, end - start))) p.reset();
        start = end + 1;
    }
    bool tc = false;
    (void)dns::read_response({data, size}, size > 1 ? static_cast<std::uint16_t>(data[0] << 8 | data[1]) : 0,
                             dns::Name::parse("hamburger.edu."), dns::type::MX, 60, tc);
    return 0;
}
